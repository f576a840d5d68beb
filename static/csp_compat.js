/* Flask-Admin 2.2.1 offers a CSP nonce for its <script> tags but its templates still carry inline
   event handlers (onclick="return modelActions.execute('delete')", onclick="return
   faHelpers.safeConfirm(...)", onclick="return false;", onclick="faForm.addInlineField(...)") and
   href="javascript:void(0)" links, which a CSP without 'unsafe-inline' refuses. This file, loaded
   with the nonce before anybody can click, turns those four known handlers into event listeners
   and keeps javascript: links from navigating. Anything else inline stays refused. */
(function () {
  "use strict";
  var patterns = [
    [/^return modelActions\.execute\('([^']*)'\);?$/, function (m) {
      return function (event) { event.preventDefault(); window.modelActions.execute(m[1]); };
    }],
    [/^return faHelpers\.safeConfirm\('((?:[^'\\]|\\.)*)'\);?$/, function (m) {
      var message = m[1].replace(/\\(.)/g, "$1");
      return function (event) { if (!window.faHelpers.safeConfirm(message)) { event.preventDefault(); } };
    }],
    [/^return false;?$/, function () {
      return function (event) { event.preventDefault(); };
    }],
    [/^faForm\.addInlineField\(this, '([^']*)'\);?$/, function (m) {
      return function (event) { event.preventDefault(); window.faForm.addInlineField(this, m[1]); };
    }]
  ];

  function convert(root) {
    var elements = root.querySelectorAll("[onclick]");
    for (var i = 0; i < elements.length; i++) {
      var el = elements[i];
      var code = (el.getAttribute("onclick") || "").trim();
      el.removeAttribute("onclick");
      for (var j = 0; j < patterns.length; j++) {
        var m = code.match(patterns[j][0]);
        if (m) { el.addEventListener("click", patterns[j][1](m)); break; }
      }
    }
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest('a[href^="javascript:"]');
    if (link) { event.preventDefault(); }
  }, true);
  convert(document);
  // Inline forms added later (faForm.addInlineField) bring their own handlers.
  new MutationObserver(function (records) {
    records.forEach(function (r) {
      r.addedNodes.forEach(function (n) { if (n.querySelectorAll) { convert(n); } });
    });
  }).observe(document.body, { childList: true, subtree: true });
})();
