// Small page behaviours without inline event handlers, which the Content-Security-Policy
// forbids (README, Security): a select that submits its form, a field selected on click,
// a print button.
document.addEventListener("change", function (event) {
  const field = event.target.closest("[data-autosubmit]");
  if (field && field.form) field.form.submit();
});
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-select-on-click]")) event.target.select();
  if (event.target.closest("[data-print]")) window.print();
});
