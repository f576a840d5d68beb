"""WTForms for pages outside the admin. All forms share Flask-WTF's CSRF base."""
