// Behaviour shared by every page. Loaded as a file: the CSP forbids inline scripts.
"use strict";

// htmx requests repeat the CSRF token in a header, so buttons outside forms are accepted too.
document.addEventListener("htmx:configRequest", (event) => {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) {
    event.detail.headers["X-CSRF-Token"] = meta.content;
  }
});

// Confirmation dialogs: <button data-dialog-open="ID"> opens <dialog id="ID"> as a modal (focus
// moves into it, Escape closes it); <button data-dialog-close> inside closes it again.
document.addEventListener("click", (event) => {
  const target = event.target instanceof Element ? event.target : null;
  const opener = target && target.closest("[data-dialog-open]");
  if (opener) {
    const dialog = document.getElementById(opener.getAttribute("data-dialog-open"));
    if (dialog instanceof HTMLDialogElement) {
      event.preventDefault();
      dialog.showModal();
    }
    return;
  }
  const closer = target && target.closest("[data-dialog-close]");
  if (closer) {
    event.preventDefault();
    const dialog = closer.closest("dialog");
    if (dialog) {
      dialog.close();
    }
  }
});

// A dialog whose form was submitted through htmx closes once the request is sent.
document.addEventListener("htmx:beforeRequest", (event) => {
  const dialog = event.target instanceof Element ? event.target.closest("dialog") : null;
  if (dialog && dialog.open) {
    dialog.close();
  }
});
