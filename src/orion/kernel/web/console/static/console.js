// HTMX requests carry the CSRF token the page was rendered with.
document.addEventListener("htmx:configRequest", (event) => {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) event.detail.headers["X-CSRF-Token"] = meta.content;
});

// A select that submits its form when changed (the store switcher): no inline handler, so
// the console's Content-Security-Policy allows no inline script without its nonce.
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field instanceof HTMLSelectElement && field.hasAttribute("data-submit-on-change")) {
    field.form?.submit();
  }
});
