"""Texts of the customer pages in Finnish, Swedish and English."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "fi": {
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
        "invalid_link": "Linkki ei ole kelvollinen.",
        "expired_link": "Linkki on vanhentunut.",
        "manage": "Hallitse markkinointilupiasi",
        "email": "sähköposti", "sms": "tekstiviesti", "phone": "puhelin", "post": "posti",
    },
    "sv": {
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
        "invalid_link": "Länken är inte giltig.",
        "expired_link": "Länken har gått ut.",
        "manage": "Hantera dina marknadsföringstillstånd",
        "email": "e-post", "sms": "textmeddelande", "phone": "telefon", "post": "post",
    },
    "en": {
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
        "invalid_link": "This link is not valid.",
        "expired_link": "This link has expired.",
        "manage": "Manage your marketing permissions",
        "email": "email", "sms": "text message", "phone": "phone", "post": "post",
    },
}
