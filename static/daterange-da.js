/* Danish date-range picker for Flask-Admin's list filters (admin/filters.py, DanishDateBetweenFilter):
   the bundled picker with Danish labels, weeks from Monday and dates as dd.mm.åååå til dd.mm.åååå. */
(function ($) {
  "use strict";
  var DANISH = {
    applyLabel: "Anvend",
    cancelLabel: "Annullér",
    fromLabel: "Fra",
    toLabel: "Til",
    weekLabel: "U",
    customRangeLabel: "Vælg selv",
    daysOfWeek: ["sø", "ma", "ti", "on", "to", "fr", "lø"], // from Sunday; firstDay turns it
    monthNames: ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"],
    firstDay: 1
  };

  function danishValue(value) {
    return (value || "").replace(/(\d{4})-(\d{2})-(\d{2})/g, "$3.$2.$1").replace(" to ", " til ");
  }

  function init(input) {
    var $input = $(input);
    if ($input.data("daterangepicker") || !$.fn.daterangepicker) return;
    $input.val(danishValue($input.val()));
    $input.attr({ placeholder: "dd.mm.åååå til dd.mm.åååå", autocomplete: "off" });
    $input.daterangepicker(
      { format: "DD.MM.YYYY", separator: " til ", showDropdowns: true, timePicker: false, locale: DANISH },
      function () { $input.trigger("change"); }
    );
  }

  $(function () {
    var data = $("#filter-groups-data");
    if (!data.length) return;
    var args = [];
    $.each(JSON.parse(data.text()), function (name, filters) {
      $.each(filters, function (i, filter) {
        if (filter.type === "daterange-da") args.push(String(filter.arg));
      });
    });
    if (!args.length) return;
    function scan() {
      $("input.filter-val").each(function () {
        var match = /^flt\d+_(.+)$/.exec(this.name || "");
        if (match && args.indexOf(match[1]) >= 0) init(this);
      });
    }
    scan();
    // Filters added later ("Tilføj filter") or with another operation get new inputs.
    var form = document.getElementById("filter_form");
    if (form && window.MutationObserver) new MutationObserver(scan).observe(form, { childList: true, subtree: true });
  });
})(jQuery);
