"""Texts of the customer pages in Finnish, Swedish and English."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "fi": {
        "send_title": "Mitä saamme lähettää sinulle",
        "customer_basis": "Lähetämme tätä asiakkaillemme, kunnes kiellät sen.",
        "prohibitions_title": "Kiellot",
        "prohibitions_intro": "Voit kieltää tietojesi käytön näihin tarkoituksiin milloin "
                              "tahansa. Kielto on voimassa, kunnes poistat sen.",
        "in_force": "Kielto on voimassa.",
        "prohibit": "Kiellä",
        "unsubscribe_title": "Peru tilaus",
        "unsubscribe_question": "Haluatko lopettaa viestit: {purpose} ({channel})?",
        "unsubscribe_button": "Peru tilaus",
        "unsubscribed": "Tilaus on peruttu. Emme lähetä sinulle enää näitä viestejä.",
        "preferences_title": "Markkinointiluvat",
        "preferences_intro": "Valitse, mitä saamme lähettää sinulle. Voit muuttaa valintojasi "
                             "milloin tahansa.",
        "save": "Tallenna valinnat",
        "saved": "Valintasi on tallennettu.",
        "prohibit_all": "Kiellä kaikki suoramarkkinointi",
        "prohibit_all_help": "Kielto koskee kaikkea suoramarkkinointia, etämyyntiä, markkina- ja "
                             "mielipidetutkimuksia, osoitetietojen luovutusta ja luetteloja.",
        "prohibited": "Olet kieltänyt kaiken suoramarkkinoinnin.",
        "lift": "Poista kielto",
        "confirm_title": "Vahvista tilaus",
        "confirm_question": "Vahvista, että haluat saada nämä viestit:",
        "confirm_button": "Vahvistan",
        "confirmed": "Kiitos! Tilauksesi on vahvistettu.",
        "link_used": "Tätä linkkiä on jo käytetty; muutoksia ei tehty.",
        "invalid_link": "Linkki ei ole kelvollinen.",
        "expired_link": "Linkki on vanhentunut.",
        "my_data": "Tietosi",
        "my_data_help": "Voit ladata kaikki sinusta tallennetut tiedot (JSON-tiedosto) tai "
                        "pyytää niiden poistamista. Poisto on lopullinen.",
        "download": "Lataa tietoni",
        "erase": "Poista tietoni",
        "erase_confirm": "Ymmärrän, että tietoni poistetaan lopullisesti.",
        "erased": "Tietosi on poistettu. Tunnistetietojasi ei enää säilytetä.",
        "erase_unconfirmed": "Vahvista poisto rastittamalla ruutu.",
        "manage": "Hallitse markkinointilupiasi ja tietojasi",
        "all_purposes": "kaikki markkinointi",
        "all_channels": "kaikki kanavat",
        "request_intro": "Kirjoita sähköpostiosoitteesi, niin lähetämme siihen linkin, jolla voit "
                         "hallita markkinointilupiasi ja tietojasi.",
        "email_label": "Sähköpostiosoite",
        "request_button": "Lähetä linkki",
        "request_sent": "Jos osoite on tiedossamme, lähetimme siihen linkin.",
        "request_invalid": "Tarkista sähköpostiosoite.",
        "code_title": "Vahvista puhelinnumerosi",
        "code_intro": "Lähetimme puhelimeesi tekstiviestinä vahvistuskoodin. Kirjoita se tähän.",
        "code_label": "Vahvistuskoodi",
        "code_button": "Vahvista",
        "code_sent": "Lähetimme puhelimeesi vahvistuskoodin.",
        "code_not_sent": "Koodia ei voitu lähettää nyt. Yritä myöhemmin uudelleen.",
        "sms_unavailable": ("Tämä palvelu ei lähetä tekstiviestejä, joten tekstiviesti- ja "
                            "puhelinluvat jäivät vahvistamatta."),
        "code_verified": "Puhelinnumerosi on vahvistettu.",
        "code_wrong": "Koodi ei ollut oikea. Yrityksiä jäljellä: {left}.",
        "code_used_up": "Koodi ei kelpaa enää. Pyydä uusi koodi.",
        "phone_needed": "Tekstiviesti- ja puhelinluvat tarvitsevat vahvistetun puhelinnumeron.",
        "phone_unverified": "Puhelinnumeroasi ei ole vahvistettu.",
        "verify_phone": "Lähetä vahvistuskoodi puhelimeeni",
        "link_too_old": "Tietojen lataamiseen ja poistamiseen tarvitaan tuore linkki. Pyydä uusi "
                        "linkki sähköpostiisi.",
        "email": "sähköposti", "sms": "tekstiviesti", "phone": "puhelin", "post": "posti",
    },
    "sv": {
        "send_title": "Vad vi får skicka dig",
        "customer_basis": "Vi skickar detta till våra kunder tills du förbjuder det.",
        "prohibitions_title": "Förbud",
        "prohibitions_intro": "Du kan när som helst förbjuda att dina uppgifter används för "
                              "dessa ändamål. Förbudet gäller tills du häver det.",
        "in_force": "Förbudet gäller.",
        "prohibit": "Förbjud",
        "unsubscribe_title": "Avsluta prenumeration",
        "unsubscribe_question": "Vill du sluta få meddelanden: {purpose} ({channel})?",
        "unsubscribe_button": "Avsluta prenumerationen",
        "unsubscribed": "Prenumerationen är avslutad. Vi skickar inte längre dessa meddelanden.",
        "preferences_title": "Marknadsföringstillstånd",
        "preferences_intro": "Välj vad vi får skicka till dig. Du kan ändra dina val när som "
                             "helst.",
        "save": "Spara valen",
        "saved": "Dina val har sparats.",
        "prohibit_all": "Förbjud all direktmarknadsföring",
        "prohibit_all_help": "Förbudet gäller all direktmarknadsföring, distansförsäljning, "
                             "marknads- och opinionsundersökningar, utlämnande av adressuppgifter "
                             "och förteckningar.",
        "prohibited": "Du har förbjudit all direktmarknadsföring.",
        "lift": "Häv förbudet",
        "confirm_title": "Bekräfta prenumerationen",
        "confirm_question": "Bekräfta att du vill få dessa meddelanden:",
        "confirm_button": "Jag bekräftar",
        "confirmed": "Tack! Din prenumeration är bekräftad.",
        "link_used": "Länken har redan använts; inget ändrades.",
        "invalid_link": "Länken är inte giltig.",
        "expired_link": "Länken har gått ut.",
        "my_data": "Dina uppgifter",
        "my_data_help": "Du kan ladda ner alla uppgifter vi har om dig (en JSON-fil) eller "
                        "begära att de raderas. Raderingen är slutgiltig.",
        "download": "Ladda ner mina uppgifter",
        "erase": "Radera mina uppgifter",
        "erase_confirm": "Jag förstår att mina uppgifter raderas slutgiltigt.",
        "erased": "Dina uppgifter har raderats. Dina identifieringsuppgifter sparas inte längre.",
        "erase_unconfirmed": "Bekräfta raderingen genom att kryssa i rutan.",
        "manage": "Hantera dina marknadsföringstillstånd och uppgifter",
        "all_purposes": "all marknadsföring",
        "all_channels": "alla kanaler",
        "request_intro": "Skriv din e-postadress så skickar vi en länk dit där du kan hantera "
                         "dina marknadsföringstillstånd och uppgifter.",
        "email_label": "E-postadress",
        "request_button": "Skicka länken",
        "request_sent": "Om adressen är känd för oss har vi skickat en länk till den.",
        "request_invalid": "Kontrollera e-postadressen.",
        "code_title": "Bekräfta ditt telefonnummer",
        "code_intro": "Vi skickade en bekräftelsekod till din telefon. Skriv in den här.",
        "code_label": "Bekräftelsekod",
        "code_button": "Bekräfta",
        "code_sent": "Vi skickade en bekräftelsekod till din telefon.",
        "code_not_sent": "Koden kunde inte skickas nu. Försök igen senare.",
        "sms_unavailable": ("Tjänsten skickar inga sms, så tillstånden för sms och telefon "
                            "bekräftades inte."),
        "code_verified": "Ditt telefonnummer är bekräftat.",
        "code_wrong": "Koden var inte rätt. Försök kvar: {left}.",
        "code_used_up": "Koden gäller inte längre. Be om en ny kod.",
        "phone_needed": "Tillstånd för textmeddelanden och telefon kräver ett bekräftat "
                        "telefonnummer.",
        "phone_unverified": "Ditt telefonnummer är inte bekräftat.",
        "verify_phone": "Skicka en bekräftelsekod till min telefon",
        "link_too_old": "För att ladda ner eller radera dina uppgifter behövs en ny länk. Be om "
                        "en ny länk till din e-post.",
        "email": "e-post", "sms": "textmeddelande", "phone": "telefon", "post": "post",
    },
    "en": {
        "send_title": "What we may send you",
        "customer_basis": "We send this to our customers until you object.",
        "prohibitions_title": "Prohibitions",
        "prohibitions_intro": "You can prohibit the use of your data for these purposes at "
                              "any time. A prohibition stays in force until you lift it.",
        "in_force": "This prohibition is in force.",
        "prohibit": "Prohibit",
        "unsubscribe_title": "Unsubscribe",
        "unsubscribe_question": "Do you want to stop receiving: {purpose} ({channel})?",
        "unsubscribe_button": "Unsubscribe",
        "unsubscribed": "You are unsubscribed. We will not send you these messages any more.",
        "preferences_title": "Marketing permissions",
        "preferences_intro": "Choose what we may send you. You can change your choices at any "
                             "time.",
        "save": "Save my choices",
        "saved": "Your choices have been saved.",
        "prohibit_all": "Prohibit all direct marketing",
        "prohibit_all_help": "The prohibition covers all direct marketing, distance selling, "
                             "market and opinion research, disclosure of your address and "
                             "publication in lists.",
        "prohibited": "You have prohibited all direct marketing.",
        "lift": "Lift the prohibition",
        "confirm_title": "Confirm your subscription",
        "confirm_question": "Please confirm that you want to receive:",
        "confirm_button": "I confirm",
        "confirmed": "Thank you! Your subscription is confirmed.",
        "link_used": "This link has been used already; nothing was changed.",
        "invalid_link": "This link is not valid.",
        "expired_link": "This link has expired.",
        "my_data": "Your data",
        "my_data_help": "You can download everything we hold about you (a JSON file) or ask "
                        "us to erase it. Erasure is final.",
        "download": "Download my data",
        "erase": "Erase my data",
        "erase_confirm": "I understand that my data will be erased for good.",
        "erased": "Your data has been erased. Your identifiers are no longer kept.",
        "erase_unconfirmed": "Tick the box to confirm the erasure.",
        "manage": "Manage your marketing permissions and your data",
        "all_purposes": "all marketing",
        "all_channels": "every channel",
        "request_intro": "Enter your e-mail address and we will send it a link where you can "
                         "manage your marketing permissions and your data.",
        "email_label": "E-mail address",
        "request_button": "Send the link",
        "request_sent": "If we know the address, we have sent a link to it.",
        "request_invalid": "Check the e-mail address.",
        "code_title": "Confirm your phone number",
        "code_intro": "We sent a confirmation code to your phone. Enter it here.",
        "code_label": "Confirmation code",
        "code_button": "Confirm",
        "code_sent": "We sent a confirmation code to your phone.",
        "code_not_sent": "The code could not be sent now. Try again later.",
        "sms_unavailable": ("This service sends no text messages, so the text message and phone "
                            "permissions were not confirmed."),
        "code_verified": "Your phone number is confirmed.",
        "code_wrong": "That was not the code. Tries left: {left}.",
        "code_used_up": "The code is no longer valid. Ask for a new one.",
        "phone_needed": "Text message and phone permissions need a confirmed phone number.",
        "phone_unverified": "Your phone number is not confirmed.",
        "verify_phone": "Send a confirmation code to my phone",
        "link_too_old": "Downloading or erasing your data needs a fresh link. Ask for a new "
                        "link to your e-mail.",
        "email": "email", "sms": "text message", "phone": "phone", "post": "post",
    },
}

# Each kind of prohibition (marketing.kinds): its title and what it stops, per language.
KIND_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "fi": {
        "direct_marketing": ("Kaikki suoramarkkinointi", LABELS["fi"]["prohibit_all_help"]),
        "distance_selling": ("Etämyynti ja puhelinmyynti",
                             "Emme soita sinulle myyntitarkoituksessa emmekä myy sinulle "
                             "etäviestimin."),
        "market_research": ("Markkina- ja mielipidetutkimukset",
                            "Emme lähetä sinulle markkina- tai mielipidetutkimuksia."),
        "address_disclosure": ("Osoitetietojen luovutus",
                               "Emme luovuta nimi- ja osoitetietojasi muille yrityksille "
                               "suoramarkkinointia varten."),
        "list_publication": ("Julkaiseminen luettelona",
                             "Emme julkaise tietojasi sähköisenä tai painettuna luettelona "
                             "(esimerkiksi postitustarroina)."),
    },
    "sv": {
        "direct_marketing": ("All direktmarknadsföring", LABELS["sv"]["prohibit_all_help"]),
        "distance_selling": ("Distansförsäljning och telefonförsäljning",
                             "Vi ringer dig inte i försäljningssyfte och säljer inte till dig "
                             "på distans."),
        "market_research": ("Marknads- och opinionsundersökningar",
                            "Vi skickar dig inga marknads- eller opinionsundersökningar."),
        "address_disclosure": ("Utlämnande av adressuppgifter",
                               "Vi lämnar inte ut dina namn- och adressuppgifter till andra "
                               "företag för direktmarknadsföring."),
        "list_publication": ("Publicering i en förteckning",
                             "Vi publicerar inte dina uppgifter i en elektronisk eller tryckt "
                             "förteckning (till exempel adressetiketter)."),
    },
    "en": {
        "direct_marketing": ("All direct marketing", LABELS["en"]["prohibit_all_help"]),
        "distance_selling": ("Distance selling and telephone sales",
                             "We will not call you to sell to you or sell to you at a "
                             "distance."),
        "market_research": ("Market and opinion research",
                            "We will not send you market or opinion research."),
        "address_disclosure": ("Disclosure of your address",
                               "We will not disclose your name and address to other companies "
                               "for direct marketing."),
        "list_publication": ("Publication in a list",
                             "We will not publish your data in an electronic or printed list "
                             "(for example on mailing labels)."),
    },
}
