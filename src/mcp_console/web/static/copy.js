// Copy buttons: <button data-copy="ID" hidden> copies the text of the element with id ID. The
// buttons are revealed here, so a browser without scripts shows no button that does nothing.
// After a copy the button says "Copied" and carries data-copied="true" until the next click.
"use strict";

document.addEventListener("htmx:load", (event) => {
  const root = event.detail.elt instanceof Element ? event.detail.elt : document.body;
  for (const button of root.querySelectorAll("button[data-copy]")) {
    button.hidden = false;
  }
});

document.addEventListener("click", async (event) => {
  const button = event.target instanceof Element ? event.target.closest("button[data-copy]") : null;
  const source = button && document.getElementById(button.getAttribute("data-copy"));
  if (!source) {
    return;
  }
  const label = button.firstChild;
  try {
    await navigator.clipboard.writeText(source.textContent);
    button.setAttribute("data-copied", "true");
    label.textContent = "Copied";
  } catch {
    // No clipboard access (an insecure origin, a refused permission): select the text instead.
    window.getSelection().selectAllChildren(source);
    button.setAttribute("data-copied", "false");
    label.textContent = "Selected: press Ctrl+C";
  }
});
