/* Flask-Admin 2.2.1 offers a CSP nonce for its <script> tags, but its templates still carry inline
   event handlers and href="javascript:void(0)" links, which a CSP without 'unsafe-inline' refuses
   (Chromium reports each handler as it parses the page). Our copies of those templates
   (templates/admin/actions.html, model/row_actions.html, model/layout.html,
   model/inline_list_base.html) carry data attributes instead; this file, loaded with the nonce,
   gives them their behaviour, and keeps javascript: links from navigating. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target : event.target.parentElement;
    var link = target.closest('a[href^="javascript:"]');
    if (link) { event.preventDefault(); }
    var action = target.closest("[data-fa-action]");
    if (action) { window.modelActions.execute(action.getAttribute("data-fa-action")); return; }
    var confirmer = target.closest("[data-fa-confirm]");
    if (confirmer && !window.faHelpers.safeConfirm(confirmer.getAttribute("data-fa-confirm"))) {
      event.preventDefault();
      return;
    }
    var inline = target.closest("[data-fa-inline-add]");
    if (inline) { window.faForm.addInlineField(inline, inline.getAttribute("data-fa-inline-add")); }
  }, true);
})();

// Forms with data-working say so while the server works (the import page), without inline handlers.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.dataset || !form.dataset.working) {
    return;
  }
  var button = form.querySelector("button");
  var target = document.getElementById(form.dataset.workingTarget || "");
  window.setTimeout(function () {
    if (button) { button.disabled = true; }
    if (target) { target.textContent = form.dataset.working; }
  }, 0);
});
