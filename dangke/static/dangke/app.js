// Small helpers for Dangke's pages; nothing here is needed to submit a form.

// "添加一行" for a Django formset: a button data-formset-add="<prefix>" copies the empty
// form kept in <template id="<prefix>-empty"> into #<prefix>-rows and bumps TOTAL_FORMS.
document.addEventListener("click", function (event) {
  const button = event.target.closest("[data-formset-add]");
  if (!button) return;
  const prefix = button.dataset.formsetAdd;
  const total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
  const template = document.getElementById(prefix + "-empty");
  const rows = document.getElementById(prefix + "-rows");
  if (!total || !template || !rows) return;
  rows.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, total.value));
  total.value = String(Number(total.value) + 1);
  const inputs = rows.lastElementChild && rows.lastElementChild.querySelectorAll("input");
  if (inputs && inputs.length > 1) inputs[1].focus();
});
