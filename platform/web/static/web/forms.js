// Widgets of the schema forms (pickers, buyers editor); progressive enhancement over plain inputs.
// Without this file, or without tom-select, a picker is the text input it is rendered as: a unit's code or
// a customer's name or phone is typed, and the server finds it.
(function () {
  "use strict";

  function lookup(url, query, callback) {
    const sep = url.indexOf("?") === -1 ? "?" : "&";
    fetch(url + sep + "q=" + encodeURIComponent(query), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : {results: []}; })
      .then(function (data) { callback(data.results || []); })
      .catch(function () { callback(); });
  }

  function picker(input) {
    if (!window.TomSelect || input.tomselect) return;
    const initial = input.dataset.initial ? JSON.parse(input.dataset.initial) : null;
    const unit = input.dataset.picker === "unit";
    const settings = {
      maxItems: 1,
      valueField: "value",
      labelField: "text",
      searchField: ["text"],
      options: initial ? [initial] : [],
      items: initial ? [initial.value] : [],
      create: true,          // a code or name typed and not (yet) in the list is sent as typed; the server checks it
      createOnBlur: true,
      persist: false,
      preload: unit ? "focus" : false,
      loadThrottle: 250,
      shouldLoad: function (query) { return unit || query.length >= 1; },
      closeAfterSelect: true,
      load: function (query, callback) {
        const ts = this, picked = ts.items.join();
        lookup(input.dataset.lookup, query, function (results) {
          callback(results);
          // an answer arriving after a choice was made must not reopen the list over the next field
          if (ts.items.length && ts.items.join() !== picked) ts.close();
        });
      },
      render: {
        option_create: function (data, escape) { return "<div class=\"create\">" + escape(data.input) + "</div>"; },
        no_results: function () { return ""; },
      },
    };
    // tom-select keeps the original input's id on its own search box, so the field's <label for> still focuses it.
    new window.TomSelect(input, settings);
  }

  function buyers(editor) {
    const rows = Array.prototype.slice.call(editor.querySelectorAll("[data-buyer-row]"));
    const add = editor.querySelector("[data-add-buyer]");
    function filled(row) {
      return Array.prototype.some.call(row.querySelectorAll("input"), function (i) { return i.value.trim() !== ""; });
    }
    function refresh() {
      const hidden = rows.filter(function (r) { return r.hidden; });
      add.hidden = hidden.length === 0;
    }
    // Show the buyers already there, or the first row; the others wait behind "add a buyer".
    let shown = 0;
    rows.forEach(function (row, index) {
      const keep = index === 0 || filled(row);
      row.hidden = !keep;
      if (keep) shown++;
      const remove = row.querySelector("[data-remove-buyer]");
      if (index > 0 && remove) {
        remove.hidden = false;
        remove.addEventListener("click", function () {
          row.querySelectorAll("input").forEach(function (i) {
            if (i.tomselect) i.tomselect.clear(); else i.value = "";
          });
          row.hidden = true;
          refresh();
          add.focus();
        });
      }
    });
    add.addEventListener("click", function () {
      const next = rows.find(function (r) { return r.hidden; });
      if (!next) return;
      next.hidden = false;
      refresh();
      const first = next.querySelector("input:not([type=hidden])");
      if (first) (first.tomselect ? first.tomselect.focus() : first.focus());
    });
    refresh();
  }

  function enhance(root) {
    root.querySelectorAll("input[data-picker]").forEach(picker);
    root.querySelectorAll("[data-buyers]").forEach(buyers);
  }

  enhance(document);
  // Forms that htmx swaps in (dialogs, a record's steps) get the same widgets.
  document.addEventListener("htmx:afterSwap", function (event) { enhance(event.target); });
})();
