// Live sections (`data-live`: the containers table, the container header) poll themselves with
// htmx. A poll replaces the section, which would close a confirmation dialog the user is reading,
// so polls are skipped while a dialog inside the section is open.
"use strict";

document.addEventListener("htmx:beforeRequest", (event) => {
  const elt = event.detail.elt;
  if (elt instanceof Element && elt.hasAttribute("data-live") && elt.querySelector("dialog[open]")) {
    event.preventDefault();
  }
});
