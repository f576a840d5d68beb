"""Forms for pages outside the admin (login, closing, measurement) and the validators that apply
the domain rules (validators.py). Every form derives from the CSRF base in base.py."""
