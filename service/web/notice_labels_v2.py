"""Labels of the notice page for the sections and values of notice format 2
(docs/notice-format.md), one row per key: (key, Finnish, Swedish, English).

notice_labels.LABELS merges these into its per-language tables (and these win on a clash).
"""

from __future__ import annotations

from typing import Final

ROWS: Final[tuple[tuple[str, str, str, str], ...]] = (
    # sections
    ("introduction", "Johdanto", "Inledning", "Introduction"),
    ("dpo", "Tietosuojavastaava", "Dataskyddsombud", "Data protection officer"),
    ("requirement", "Onko tietojen antaminen lakisääteinen tai sopimukseen perustuva vaatimus",
     "Är det ett lagstadgat eller avtalsenligt krav att lämna uppgifterna",
     "Is providing the data a statutory or contractual requirement"),
    ("profiling", "Automaattinen päätöksenteko ja profilointi",
     "Automatiserat beslutsfattande och profilering",
     "Automated decision-making and profiling"),
    ("profiling_none",
     "Henkilötietoja ei käytetä automaattiseen päätöksentekoon eikä profilointiin.",
     "Personuppgifterna används inte för automatiserat beslutsfattande eller profilering.",
     "Personal data is not used for automated decision-making or profiling."),
    # GDPR 13(1)(e)/14(1)(d): the heading names categories of data subjects.
    ("data_subjects", "Rekisteröityjen ryhmät", "Kategorier av registrerade",
     "Categories of data subjects"),
    ("recipients", "Vastaanottajat ja vastaanottajaryhmät", "Mottagare och kategorier av mottagare",
     "Recipients and categories of recipients"),
    ("disclosures", "Säännönmukaiset tietojen luovutukset", "Regelmässiga utlämnanden av uppgifter",
     "Regular disclosures of data"),
    ("updated", "Päivitetty", "Uppdaterad", "Updated"),
    ("website", "Verkkosivusto", "Webbplats", "Website"),
    ("legitimate_interest", "Oikeutetun edun peruste", "Berättigat intresse",
     "Legitimate interest"),
    ("legal_basis_customer_relationship", "Asiakassuhde", "Kundrelation",
     "Customer relationship"),
    ("legal_basis_ref_customer_relationship",
     "oikeutettu etu, tietosuoja-asetuksen 6 artiklan 1 kohdan f alakohta",
     "berättigat intresse, artikel 6.1 f i dataskyddsförordningen",
     "legitimate interest, Article 6(1)(f) GDPR"),
    # transfers
    ("transfers_none", "Tietoja ei siirretä EU:n tai ETA:n ulkopuolelle.",
     "Uppgifterna överförs inte utanför EU eller EES.",
     "Data is not transferred outside the EU or EEA."),
    ("transfer_country", "Maa", "Land", "Country"),
    ("transfer_recipient", "Vastaanottaja", "Mottagare", "Recipient"),
    ("transfer_safeguard", "Suojatoimi", "Skyddsåtgärd", "Safeguard"),
    ("safeguard_adequacy_decision", "Komission tietosuojan riittävyyttä koskeva päätös (45 art.)",
     "Kommissionens beslut om adekvat skyddsnivå (art. 45)",
     "Commission adequacy decision (Art. 45)"),
    ("safeguard_standard_contractual_clauses", "Komission vakiosopimuslausekkeet (46 art.)",
     "Kommissionens standardavtalsklausuler (art. 46)",
     "Standard contractual clauses (Art. 46)"),
    ("safeguard_binding_corporate_rules", "Yritystä koskevat sitovat säännöt (47 art.)",
     "Bindande företagsbestämmelser (art. 47)", "Binding corporate rules (Art. 47)"),
    ("safeguard_code_or_certification", "Käytännesäännöt tai sertifiointi (46 art.)",
     "Uppförandekod eller certifiering (art. 46)", "Code of conduct or certification (Art. 46)"),
    ("safeguard_derogation", "Poikkeus erityistilanteessa (49 art.)",
     "Undantag i särskilda situationer (art. 49)", "Derogation for a specific situation (Art. 49)"),
    ("safeguard_other", "Muu suojatoimi", "Annan skyddsåtgärd", "Other safeguard"),
    # security
    ("security_paper", "Manuaalinen aineisto", "Manuellt material", "Manual material"),
    ("security_electronic", "Sähköisesti käsiteltävät tiedot", "Elektroniskt behandlade uppgifter",
     "Electronically processed data"),
    ("security_access", "Käyttöoikeudet", "Åtkomsträtter", "Who may access the data"),
    # retention
    ("retention_none", "Säilytysaikaa ei ole ilmoitettu.", "Lagringstiden har inte angetts.",
     "No retention period is stated."),
    ("retention_as_long_as_needed", "Niin kauan kuin on tarpeen", "Så länge det behövs",
     "As long as needed"),
    ("retention_starts_collection", "tietojen keräämisestä", "från insamlingen",
     "from collection"),
    ("retention_starts_end_of_customer_relationship", "asiakassuhteen päättymisestä",
     "från kundrelationens slut", "from the end of the customer relationship"),
    ("retention_starts_end_of_recruitment", "rekrytoinnin päättymisestä",
     "från rekryteringens slut", "from the end of the recruitment"),
    ("retention_starts_last_change", "viimeisestä muutoksesta", "från den senaste ändringen",
     "from the last change"),
    ("retention_starts_end_of_accounting_year", "tilikauden päättymisvuoden lopusta",
     "från utgången av det år då räkenskapsperioden upphörde",
     "from the end of the year in which the accounting period ended"),
    # rights
    ("right_withdraw_consent", "Oikeus peruuttaa suostumus", "Rätt att återkalla samtycke",
     "Right to withdraw consent"),
    ("right_other", "Muut oikeudet", "Övriga rättigheter", "Other rights"),
    # cookies and vendors
    ("cookie_countries", "Käsittelymaat", "Behandlingsländer", "Countries of processing"),
    ("cookie_privacy_policy", "Tietosuojaseloste", "Dataskyddspolicy", "Privacy policy"),
    ("cookie_type_necessary", "Välttämätön", "Nödvändig", "Necessary"),
    ("cookie_type_preferences", "Asetukset", "Inställningar", "Preferences"),
    ("cookie_type_analytics", "Analytiikka", "Analys", "Analytics"),
    ("cookie_type_marketing", "Markkinointi", "Marknadsföring", "Marketing"),
    # direct marketing
    ("marketing_basis", "Peruste", "Grund", "Basis"),
    ("marketing_basis_consent", "Suostumus (ennakkolupa)", "Samtycke (förhandstillstånd)",
     "Consent (opt-in)"),
    ("marketing_basis_customer_relationship", "Asiakassuhde (kieltoon asti)",
     "Kundrelation (tills du förbjuder det)", "Customer relationship (until you object)"),
    ("marketing_basis_unless_prohibited", "Ellei sitä ole kielletty",
     "Om du inte har förbjudit det", "Unless you have prohibited it"),
    ("marketing_prohibitions", "Voit kieltää", "Du kan förbjuda", "You can prohibit"),
    ("prohibition_direct_marketing", "suoramarkkinoinnin", "direktmarknadsföring",
     "direct marketing"),
    ("prohibition_distance_selling", "etämyynnin", "distansförsäljning", "distance selling"),
    ("prohibition_market_research", "markkina- ja mielipidetutkimukset",
     "marknads- och opinionsundersökningar", "market and opinion research"),
    ("prohibition_address_disclosure", "osoitetietojesi luovuttamisen muille yrityksille",
     "utlämnande av dina adressuppgifter till andra företag",
     "disclosure of your address data to other companies"),
    ("prohibition_list_publication", "tietojesi julkaisemisen luettelona",
     "publicering av dina uppgifter i en förteckning", "publication of your data in a list"),
)

LABELS_V2: Final[dict[str, dict[str, str]]] = {
    lang: {row[0]: row[1 + i] for row in ROWS} for i, lang in enumerate(("fi", "sv", "en"))
}
