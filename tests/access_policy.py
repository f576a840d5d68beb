"""The access policy: every URL rule of the app × every role → the expected outcome.

The policy (../shared/DESIGN.md §2) written out as one table, as data: no tests here. Each row of
MATRIX is a Flask endpoint; each column a role (ROLES). tests/test_access_matrix.py probes every
row for every role, and a new URL rule without a row fails `test_every_url_rule_is_in_the_matrix`,
so nobody adds a page without deciding who may reach it. tests/test_isolation.py and others read
who may do what from here.

Outcomes:
    OK         200 (an export answers with CSV, an ajax lookup with a JSON list)
    LOGIN      302 to /login?next=<the page>
    FORBIDDEN  403, an error page without a traceback
    NOT_FOUND  404
    DENIED     302 back to the list page and nothing happened (the form is not shown, nothing
               is exported; for delete and bulk delete: the record still exists)
    DELETED    302 and the record is gone (delete_view and the bulk "delete" action)
    MOVED      302 and the workflow POST did change the case
    TO_ADMIN / TO_LOGIN / TO_FRONT / TO_ACCOUNT   302 to /admin/, /login (no next), / and /account
    TO_REGISTER  302 to the partner's session register

Letters in the comments are the intended rights: r list/details, c create, e edit, d delete,
x export. Model views are probed with a record of the user's own organisation (world.a) that the
role may see; delete and bulk delete get a fresh, deletable record each.
"""

ROLES = ("anonymous", "admin", "coordinator", "bridge_builder", "partner", "evaluator")

OK = "200"
LOGIN = "302 to login"
FORBIDDEN = "403"
NOT_FOUND = "404"
DENIED = "denied"
DELETED = "deleted"
TO_ADMIN = "302 to /admin/"
TO_LOGIN = "302 to /login"
TO_FRONT = "302 to /"
TO_ACCOUNT = "302 to /account"
AUTH_PAGES = ("auth.mfa", "auth.mfa_setup", "auth.reauth", "auth.account", "auth.account_mfa")
MOVED = "moved"  # a workflow POST that did change the case
TO_REGISTER = "302 to the session register"

# fmt: off
MATRIX = {
    #                                        anonymous  admin      coordinator bridge_b. partner    evaluator
    "index":                                (TO_ADMIN,  TO_ADMIN,  TO_ADMIN,  TO_ADMIN,  TO_ADMIN,  TO_ADMIN),
    "auth.login":                           (OK,        TO_ADMIN,  TO_ADMIN,  TO_ADMIN,  TO_ADMIN,  TO_ADMIN),
    "auth.logout":                          (LOGIN,     TO_LOGIN,  TO_LOGIN,  TO_LOGIN,  TO_LOGIN,  TO_LOGIN),
    "language.switch":                      (TO_FRONT,  TO_FRONT,  TO_FRONT,  TO_FRONT,  TO_FRONT,  TO_FRONT),
    # Second factor at login: only with a password just given (a pending login), else back to /login.
    "auth.mfa":                             (TO_LOGIN,  TO_LOGIN,  TO_LOGIN,  TO_LOGIN,  TO_LOGIN,  TO_LOGIN),
    "auth.mfa_setup":                       (TO_LOGIN,  TO_LOGIN,  TO_LOGIN,  TO_LOGIN,  TO_LOGIN,  TO_LOGIN),
    # Everybody's own account: password change, confirmation before sensitive actions.
    "auth.reauth":                          (LOGIN,     OK,        OK,        OK,        OK,        OK),
    "auth.account":                         (LOGIN,     OK,        OK,        OK,        OK,        OK),
    "auth.new_recovery_codes":              (LOGIN,     TO_ACCOUNT, TO_ACCOUNT, TO_ACCOUNT, TO_ACCOUNT, TO_ACCOUNT),
    # Two-factor login by one's own choice (on: the enrolment page; off: back to the account page).
    "auth.account_mfa":                     (LOGIN,     OK,        OK,        OK,        OK,        OK),
    "auth.account_mfa_off":                 (LOGIN,     TO_ACCOUNT, TO_ACCOUNT, TO_ACCOUNT, TO_ACCOUNT, TO_ACCOUNT),
    # The overview: figures only; every logged-in role (the evaluator's only page).
    "admin.index":                          (LOGIN,     OK,        OK,        OK,        OK,        OK),
    # referral: admin rcedx, coordinator rcex, bridge_builder rce
    "referral.index_view":                  (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "referral.details_view":                (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "referral.create_view":                 (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "referral.edit_view":                   (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "referral.delete_view":                 (LOGIN,     DELETED,   DENIED,    DENIED,    FORBIDDEN, FORBIDDEN),
    "referral.action_view":                 (LOGIN,     DELETED,   DENIED,    DENIED,    FORBIDDEN, FORBIDDEN),
    "referral.export":                      (LOGIN,     OK,        OK,        DENIED,    FORBIDDEN, FORBIDDEN),
    "referral.ajax_lookup":                 (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "referral.ajax_update":                 (LOGIN,     NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN),
    "referral.status_view":                 (LOGIN,     MOVED,     MOVED,     MOVED,     FORBIDDEN, FORBIDDEN),
    "referral.close_view":                  (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "referral.suggest_view":                (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "referral.match_view":                  (LOGIN,     MOVED,     MOVED,     MOVED,     FORBIDDEN, FORBIDDEN),
    "referral.measure_view":                (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    # The case page's actions (issue 14): take, record a contact or note, start a practice community.
    "referral.take_view":                   (LOGIN,     MOVED,     MOVED,     MOVED,     FORBIDDEN, FORBIDDEN),
    "referral.contact_view":                (LOGIN,     MOVED,     MOVED,     MOVED,     FORBIDDEN, FORBIDDEN),
    "referral.note_view":                   (LOGIN,     MOVED,     MOVED,     MOVED,     FORBIDDEN, FORBIDDEN),
    "referral.practice_view":               (LOGIN,     MOVED,     MOVED,     MOVED,     FORBIDDEN, FORBIDDEN),
    # One's own profile (reminder e-mails): staff.
    "profile.index":                        (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    # Assigning a case to someone: coordinators and admins only.
    "referral.assign_view":                 (LOGIN,     MOVED,     MOVED,     FORBIDDEN, FORBIDDEN, FORBIDDEN),
    # contact: admin rcedx, coordinator rcex, bridge_builder rce
    "contact.index_view":                   (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "contact.details_view":                 (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "contact.create_view":                  (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "contact.edit_view":                    (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "contact.delete_view":                  (LOGIN,     DELETED,   DENIED,    DENIED,    FORBIDDEN, FORBIDDEN),
    "contact.action_view":                  (LOGIN,     DELETED,   DENIED,    DENIED,    FORBIDDEN, FORBIDDEN),
    "contact.export":                       (LOGIN,     OK,        OK,        DENIED,    FORBIDDEN, FORBIDDEN),
    "contact.ajax_lookup":                  (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "contact.ajax_update":                  (LOGIN,     NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN),
    # match: admin rcedx, coordinator rcex, bridge_builder rce
    "match.index_view":                     (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "match.details_view":                   (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "match.create_view":                    (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "match.edit_view":                      (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "match.delete_view":                    (LOGIN,     DELETED,   DENIED,    DENIED,    FORBIDDEN, FORBIDDEN),
    "match.action_view":                    (LOGIN,     DELETED,   DENIED,    DENIED,    FORBIDDEN, FORBIDDEN),
    "match.export":                         (LOGIN,     OK,        OK,        DENIED,    FORBIDDEN, FORBIDDEN),
    "match.ajax_lookup":                    (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "match.ajax_update":                    (LOGIN,     NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN),
    # citizen: admin rcedx, coordinator rcex, bridge_builder rce
    "citizen.index_view":                   (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "citizen.details_view":                 (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "citizen.create_view":                  (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "citizen.edit_view":                    (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "citizen.delete_view":                  (LOGIN,     DELETED,   DENIED,    DENIED,    FORBIDDEN, FORBIDDEN),
    "citizen.action_view":                  (LOGIN,     DELETED,   DENIED,    DENIED,    FORBIDDEN, FORBIDDEN),
    "citizen.export":                       (LOGIN,     OK,        OK,        DENIED,    FORBIDDEN, FORBIDDEN),
    "citizen.ajax_lookup":                  (LOGIN,     NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN),
    "citizen.ajax_update":                  (LOGIN,     NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN),
    # activity: admin rcedx, coordinator rcex, bridge_builder rcex, partner rce
    "activity.index_view":                  (LOGIN,     OK,        OK,        OK,        OK,        FORBIDDEN),
    "activity.details_view":                (LOGIN,     OK,        OK,        OK,        OK,        FORBIDDEN),
    "activity.create_view":                 (LOGIN,     OK,        OK,        OK,        OK,        FORBIDDEN),
    "activity.edit_view":                   (LOGIN,     OK,        OK,        OK,        OK,        FORBIDDEN),
    "activity.delete_view":                 (LOGIN,     DELETED,   DENIED,    DENIED,    DENIED,    FORBIDDEN),
    "activity.action_view":                 (LOGIN,     DELETED,   DENIED,    DENIED,    DENIED,    FORBIDDEN),
    "activity.export":                      (LOGIN,     OK,        OK,        OK,        DENIED,    FORBIDDEN),
    "activity.ajax_lookup":                 (LOGIN,     NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN),
    "activity.ajax_update":                 (LOGIN,     NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN),
    # activity_session: admin rcedx, coordinator rcex, bridge_builder rcex, partner rce
    "activity_session.index_view":          (LOGIN,     OK,        OK,        OK,        OK,        FORBIDDEN),
    "activity_session.details_view":        (LOGIN,     OK,        OK,        OK,        OK,        FORBIDDEN),
    "activity_session.create_view":         (LOGIN,     OK,        OK,        OK,        OK,        FORBIDDEN),
    "activity_session.edit_view":           (LOGIN,     OK,        OK,        OK,        OK,        FORBIDDEN),
    "activity_session.delete_view":         (LOGIN,     DELETED,   DENIED,    DENIED,    DENIED,    FORBIDDEN),
    "activity_session.action_view":         (LOGIN,     DELETED,   DENIED,    DENIED,    DENIED,    FORBIDDEN),
    "activity_session.export":              (LOGIN,     OK,        OK,        OK,        DENIED,    FORBIDDEN),
    "activity_session.ajax_lookup":         (LOGIN,     NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN),
    "activity_session.ajax_update":         (LOGIN,     NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN),
    # attendance: admin rcedx, coordinator rcedx, bridge_builder rced, partner rcd
    "attendance.index_view":                (LOGIN,     OK,        OK,        OK,        OK,        FORBIDDEN),
    "attendance.details_view":              (LOGIN,     OK,        OK,        OK,        OK,        FORBIDDEN),
    "attendance.create_view":               (LOGIN,     OK,        OK,        OK,        OK,        FORBIDDEN),
    "attendance.edit_view":                 (LOGIN,     OK,        OK,        OK,        DENIED,    FORBIDDEN),
    "attendance.delete_view":               (LOGIN,     DELETED,   DELETED,   DELETED,   DELETED,   FORBIDDEN),
    "attendance.action_view":               (LOGIN,     DELETED,   DELETED,   DELETED,   DELETED,   FORBIDDEN),
    "attendance.export":                    (LOGIN,     OK,        OK,        DENIED,    DENIED,    FORBIDDEN),
    "attendance.ajax_lookup":               (LOGIN,     OK,        OK,        OK,        OK,        FORBIDDEN),
    "attendance.ajax_update":               (LOGIN,     NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN),
    # partner: admin rcedx, coordinator rcex, bridge_builder rx
    "partner.index_view":                   (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "partner.details_view":                 (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "partner.create_view":                  (LOGIN,     OK,        OK,        DENIED,    FORBIDDEN, FORBIDDEN),
    "partner.edit_view":                    (LOGIN,     OK,        OK,        DENIED,    FORBIDDEN, FORBIDDEN),
    "partner.delete_view":                  (LOGIN,     DELETED,   DENIED,    DENIED,    FORBIDDEN, FORBIDDEN),
    "partner.action_view":                  (LOGIN,     DELETED,   DENIED,    DENIED,    FORBIDDEN, FORBIDDEN),
    "partner.export":                       (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "partner.ajax_lookup":                  (LOGIN,     NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN),
    "partner.ajax_update":                  (LOGIN,     NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN),
    # user: admin rcedx
    "user.index_view":                      (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "user.details_view":                    (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "user.create_view":                     (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "user.edit_view":                       (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "user.delete_view":                     (LOGIN,     DELETED,   FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "user.action_view":                     (LOGIN,     DELETED,   FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "user.export":                          (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "user.ajax_lookup":                     (LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "user.ajax_update":                     (LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    # organisation: admin re
    "organisation.index_view":              (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "organisation.details_view":            (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "organisation.create_view":             (LOGIN,     DENIED,    FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "organisation.edit_view":               (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "organisation.delete_view":             (LOGIN,     DENIED,    FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "organisation.action_view":             (LOGIN,     DENIED,    FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "organisation.export":                  (LOGIN,     DENIED,    FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "organisation.ajax_lookup":             (LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "organisation.ajax_update":             (LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    # referral_channel: admin rcedx
    "referral_channel.index_view":          (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "referral_channel.details_view":        (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "referral_channel.create_view":         (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "referral_channel.edit_view":           (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "referral_channel.delete_view":         (LOGIN,     DELETED,   FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "referral_channel.action_view":         (LOGIN,     DELETED,   FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "referral_channel.export":              (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "referral_channel.ajax_lookup":         (LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "referral_channel.ajax_update":         (LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "closure_reason.index_view":            (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "closure_reason.details_view":          (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "closure_reason.create_view":           (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "closure_reason.edit_view":             (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "closure_reason.delete_view":           (LOGIN,     DELETED,   FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "closure_reason.action_view":           (LOGIN,     DELETED,   FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "closure_reason.export":                (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "closure_reason.ajax_lookup":           (LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "closure_reason.ajax_update":           (LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "instrument.index_view":                (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "instrument.details_view":              (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "instrument.create_view":               (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "instrument.edit_view":                 (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "instrument.delete_view":               (LOGIN,     DELETED,   FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "instrument.action_view":               (LOGIN,     DELETED,   FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "instrument.export":                    (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "instrument.ajax_lookup":               (LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "instrument.ajax_update":               (LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    # referral_reason: admin rcedx
    "referral_reason.index_view":           (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "referral_reason.details_view":         (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "referral_reason.create_view":          (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "referral_reason.edit_view":            (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "referral_reason.delete_view":          (LOGIN,     DELETED,   FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "referral_reason.action_view":          (LOGIN,     DELETED,   FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "referral_reason.export":               (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "referral_reason.ajax_lookup":          (LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "referral_reason.ajax_update":          (LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    # activity_category: admin rcedx
    "activity_category.index_view":         (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "activity_category.details_view":       (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "activity_category.create_view":        (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "activity_category.edit_view":          (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "activity_category.delete_view":        (LOGIN,     DELETED,   FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "activity_category.action_view":        (LOGIN,     DELETED,   FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "activity_category.export":             (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "activity_category.ajax_lookup":        (LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "activity_category.ajax_update":        (LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    # partner_kind: admin rcedx
    "partner_kind.index_view":              (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "partner_kind.details_view":            (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "partner_kind.create_view":             (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "partner_kind.edit_view":               (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "partner_kind.delete_view":             (LOGIN,     DELETED,   FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "partner_kind.action_view":             (LOGIN,     DELETED,   FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "partner_kind.export":                  (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "partner_kind.ajax_lookup":             (LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "partner_kind.ajax_update":             (LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    # contact_kind: admin rcedx
    "contact_kind.index_view":              (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "contact_kind.details_view":            (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "contact_kind.create_view":             (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "contact_kind.edit_view":               (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "contact_kind.delete_view":             (LOGIN,     DELETED,   FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "contact_kind.action_view":             (LOGIN,     DELETED,   FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "contact_kind.export":                  (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "contact_kind.ajax_lookup":             (LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "contact_kind.ajax_update":             (LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    # audit_log: admin rx
    "audit_log.index_view":                 (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "audit_log.details_view":               (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "audit_log.create_view":                (LOGIN,     DENIED,    FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "audit_log.edit_view":                  (LOGIN,     DENIED,    FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "audit_log.delete_view":                (LOGIN,     DENIED,    FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "audit_log.action_view":                (LOGIN,     DENIED,    FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "audit_log.export":                     (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "audit_log.ajax_lookup":                (LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "audit_log.ajax_update":                (LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    # Plugin "intake" (DESIGN §4.1). The public referral form: no login, for everyone.
    "intake_public.choose":                 (OK,        OK,        OK,        OK,        OK,        OK),
    "intake_public.referral_form":          (OK,        OK,        OK,        OK,        OK,        OK),
    "intake_public.receipt":                (OK,        OK,        OK,        OK,        OK,        OK),
    # Staff intake: case workers only (link is POSTed without a case: 404 once past the door).
    "intake_staff.index":                   (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "intake_staff.link":                    (LOGIN,     NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN),
    # intake_form (the form builder is configuration): admin rcedx, coordinator r
    "intake_forms.index_view":              (LOGIN,     OK,        OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "intake_forms.details_view":            (LOGIN,     OK,        OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "intake_forms.preview_view":            (LOGIN,     OK,        OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "intake_forms.create_view":             (LOGIN,     OK,        DENIED,    FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "intake_forms.edit_view":               (LOGIN,     OK,        DENIED,    FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "intake_forms.delete_view":             (LOGIN,     DELETED,   DENIED,    FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "intake_forms.action_view":             (LOGIN,     DELETED,   DENIED,    FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "intake_forms.export":                  (LOGIN,     OK,        DENIED,    FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "intake_forms.ajax_lookup":             (LOGIN,     NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "intake_forms.ajax_update":             (LOGIN,     NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    # end_criteria plugin: criteria (admin rcedx, coordinator r), agreeing (case workers), closures
    "end_criteria_criteria.index_view":     (LOGIN,     OK,        OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "end_criteria_criteria.details_view":   (LOGIN,     OK,        OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "end_criteria_criteria.create_view":    (LOGIN,     OK,        DENIED,    FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "end_criteria_criteria.edit_view":      (LOGIN,     OK,        DENIED,    FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "end_criteria_criteria.delete_view":    (LOGIN,     DELETED,   DENIED,    FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "end_criteria_criteria.action_view":    (LOGIN,     DELETED,   DENIED,    FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "end_criteria_criteria.export":         (LOGIN,     OK,        DENIED,    FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "end_criteria_criteria.ajax_lookup":    (LOGIN,     NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "end_criteria_criteria.ajax_update":    (LOGIN,     NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "end_criteria_agree.index":             (LOGIN,     MOVED,     MOVED,     MOVED,     FORBIDDEN, FORBIDDEN),
    "end_criteria_closures.index":          (LOGIN,     OK,        OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN),
    # collaboration plugin: staff only; partners and evaluators never see a note
    "collaboration_notes.index_view":       (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "collaboration_notes.details_view":     (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "collaboration_notes.create_view":      (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "collaboration_notes.edit_view":        (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "collaboration_notes.delete_view":      (LOGIN,     DELETED,   DENIED,    DENIED,    FORBIDDEN, FORBIDDEN),
    "collaboration_notes.action_view":      (LOGIN,     DELETED,   DENIED,    DENIED,    FORBIDDEN, FORBIDDEN),
    "collaboration_notes.export":           (LOGIN,     OK,        OK,        DENIED,    FORBIDDEN, FORBIDDEN),
    "collaboration_notes.ajax_lookup":      (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "collaboration_notes.ajax_update":      (LOGIN,     NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN),
    "collaboration_followups.index":        (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "collaboration_followups.done":         (LOGIN,     MOVED,     MOVED,     MOVED,     FORBIDDEN, FORBIDDEN),
    "collaboration_gp_feedback.index":      (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "collaboration_gp_feedback.fhir":       (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "caseload.index":                       (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    # Reports (issue 12): coordinators, admins and evaluators (suppressed); the cases behind a
    # figure only for roles that see cases; the network report only for network evaluators.
    "reports.index":                        (LOGIN,     OK,        OK,        FORBIDDEN, FORBIDDEN, OK),
    "reports.export":                       (LOGIN,     OK,        OK,        FORBIDDEN, FORBIDDEN, OK),
    "reports.cases":                        (LOGIN,     OK,        OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "network_report.index":                 (LOGIN,     FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "network_report.export":                (LOGIN,     FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    # The operator's network pages (see OPERATOR_ACCESS): nobody of an organisation.
    "networks.index":                       (LOGIN,     FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "networks.network":                     (LOGIN,     FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "networks.add_member":                  (LOGIN,     FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "networks.remove_member":               (LOGIN,     FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "networks.add_evaluator":               (LOGIN,     FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "networks.remove_evaluator":            (LOGIN,     FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "end_criteria_closures.export":         (LOGIN,     OK,        OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN),
    # Privacy (issue 11): access reports and upcoming anonymisations for admins and coordinators;
    # who saw a citizen, erasure, the record of processing and old free text for admins only.
    "privacy.index":                        (LOGIN,     OK,        OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "privacy.report_pdf":                   (LOGIN,     OK,        OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "privacy.report_zip":                   (LOGIN,     OK,        OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "privacy.access_log_view":              (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "privacy.erase_view":                   (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "privacy.processing_view":              (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "privacy.processing_markdown":          (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "privacy.free_text_view":               (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    # intake_answer (part of a case, kept as answered): admin rx, coordinator rx, bridge_builder r
    "intake_answers.index_view":            (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "intake_answers.details_view":          (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "intake_answers.create_view":           (LOGIN,     DENIED,    DENIED,    DENIED,    FORBIDDEN, FORBIDDEN),
    "intake_answers.edit_view":             (LOGIN,     DENIED,    DENIED,    DENIED,    FORBIDDEN, FORBIDDEN),
    "intake_answers.delete_view":           (LOGIN,     DENIED,    DENIED,    DENIED,    FORBIDDEN, FORBIDDEN),
    "intake_answers.action_view":           (LOGIN,     DENIED,    DENIED,    DENIED,    FORBIDDEN, FORBIDDEN),
    "intake_answers.export":                (LOGIN,     OK,        OK,        DENIED,    FORBIDDEN, FORBIDDEN),
    "intake_answers.ajax_lookup":           (LOGIN,     NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN),
    "intake_answers.ajax_update":           (LOGIN,     NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN),
    # Onboarding (issue 10). The set-password page: a one-time token, no login; a bad token is 404.
    "onboarding.set_password":              (NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    # Import (Administration → Import): admins only; commit/cancel of no batch of theirs is 404.
    "imports.index":                        (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "imports.commit":                       (LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "imports.cancel":                       (LOGIN,     NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "imports.template":                     (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "imports.export":                       (LOGIN,     OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    # The operator's pages: nobody of an organisation (see OPERATOR_ACCESS for the operator).
    "operator.index":                       (LOGIN,     FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "operator.new":                         (LOGIN,     FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "operator.organisation":                (LOGIN,     FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "operator.set_active":                  (LOGIN,     FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "operator.add_admin":                   (LOGIN,     FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "operator.reset":                       (LOGIN,     FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    # Issue 13. The public activity directory, its iCal feeds and HSDS export: no login, for everyone.
    "directory.index":                      (OK,        OK,        OK,        OK,        OK,        OK),
    "directory.activity":                   (OK,        OK,        OK,        OK,        OK,        OK),
    "directory.activity_ics":               (OK,        OK,        OK,        OK,        OK,        OK),
    "directory.partner_ics":                (OK,        OK,        OK,        OK,        OK,        OK),
    "directory.organisation_ics":           (OK,        OK,        OK,        OK,        OK,        OK),
    "directory.hsds_services":              (OK,        OK,        OK,        OK,        OK,        OK),
    "directory.hsds_package":               (OK,        OK,        OK,        OK,        OK,        OK),
    # The partner's phone page: partner users only.
    "partner_page.start":                   (LOGIN,     FORBIDDEN, FORBIDDEN, FORBIDDEN, OK,        FORBIDDEN),
    "partner_page.register":                (LOGIN,     FORBIDDEN, FORBIDDEN, FORBIDDEN, OK,        FORBIDDEN),
    "partner_page.listing":                 (LOGIN,     FORBIDDEN, FORBIDDEN, FORBIDDEN, OK,        FORBIDDEN),
    "partner_page.pick_date":               (LOGIN,     FORBIDDEN, FORBIDDEN, FORBIDDEN, TO_REGISTER, FORBIDDEN),
    # Approving partners' listing changes: admin and coordinator.
    "listing_change.index":                 (LOGIN,     OK,        OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "listing_change.decide_view":           (LOGIN,     MOVED,     MOVED,     FORBIDDEN, FORBIDDEN, FORBIDDEN),
    # Waiting lists of full activities: case workers.
    "waiting_list.index":                   (LOGIN,     OK,        OK,        OK,        FORBIDDEN, FORBIDDEN),
    "waiting_list.add_view":                (LOGIN,     MOVED,     MOVED,     MOVED,     FORBIDDEN, FORBIDDEN),
    "waiting_list.remove_view":             (LOGIN,     MOVED,     MOVED,     MOVED,     FORBIDDEN, FORBIDDEN),
}
# fmt: on

# The operator (driftsansvarlig) runs the installation and never sees an organisation's data:
# every URL not listed here answers the operator with 403 (FORBIDDEN).
OPERATOR_ACCESS = {
    "index": TO_ADMIN,
    "auth.login": TO_ADMIN,
    "auth.logout": TO_LOGIN,
    "language.switch": TO_FRONT,
    "admin.index": DENIED,  # 302 to the organisations page instead of any organisation's figures
    "intake_public.choose": OK,  # public pages, as for anyone
    "intake_public.referral_form": OK,
    "intake_public.receipt": OK,
    # The public activity directory and its feeds (issue 13), as for anyone.
    **{
        f"directory.{name}": OK
        for name in (
            "index",
            "activity",
            "activity_ics",
            "partner_ics",
            "organisation_ics",
            "hsds_services",
            "hsds_package",
        )
    },
    "onboarding.set_password": NOT_FOUND,
    "operator.index": OK,
    "operator.new": OK,
    "operator.organisation": OK,
    "operator.set_active": MOVED,
    "operator.add_admin": OK,
    "operator.reset": OK,
    "networks.index": OK,
    "networks.network": OK,
    "networks.add_member": MOVED,
    "networks.remove_member": MOVED,
    "networks.add_evaluator": MOVED,
    "networks.remove_evaluator": MOVED,
    # Their own account, as for every logged-in user.
    "auth.mfa": TO_LOGIN,
    "auth.mfa_setup": TO_LOGIN,
    "auth.reauth": OK,
    "auth.account": OK,
    "auth.new_recovery_codes": TO_ACCOUNT,
    "auth.account_mfa": OK,
    "auth.account_mfa_off": TO_ACCOUNT,
    # The public activity directory and its feeds (issue 13), as for anyone.
    **{
        f"directory.{name}": OK
        for name in (
            "index",
            "activity",
            "activity_ics",
            "partner_ics",
            "organisation_ics",
            "hsds_services",
            "hsds_package",
        )
    },
}

EXCLUDED_ENDPOINTS = {"static", "admin.static"}
