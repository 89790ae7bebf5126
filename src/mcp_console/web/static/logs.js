// Live logs of the container page. An EventSource reads the UI's proxy of the API's log stream
// (`data: {stream, time, line}` per line, `event: end` at the end, `event: stream-error` when the
// stream could not start) and renders the lines into a list, with pause/resume, follow
// (auto-scroll), a filter, clear and a status line. A stream that breaks off (API restart) is
// reconnected by the EventSource itself. Loaded as a file: the CSP forbids inline code.
"use strict";

(() => {
  const MAX_LINES = 5000;
  const viewers = new WeakMap();

  function lineElement(event, filterText) {
    const item = document.createElement("li");
    item.className = event.stream === "stderr" ? "log-line log-stderr" : "log-line";
    const time = document.createElement("time");
    time.dateTime = event.time || "";
    time.textContent = (event.time || "").slice(11, 23);
    const text = document.createElement("span");
    text.textContent = event.line;
    item.append(time, " ", text);
    item.hidden = Boolean(filterText) && !event.line.toLowerCase().includes(filterText);
    return item;
  }

  function start(root) {
    const list = root.querySelector("[data-log-lines]");
    const status = root.querySelector("[data-log-status]");
    const pauseButton = root.querySelector("[data-log-pause]");
    const follow = root.querySelector("[data-log-follow]");
    const filter = root.querySelector("[data-log-filter]");
    const clear = root.querySelector("[data-log-clear]");
    let paused = false;
    let waiting = [];
    let opened = false;

    const filterText = () => filter.value.trim().toLowerCase();
    const setStatus = (state, text) => {
      status.dataset.state = state;
      status.textContent = text;
    };

    function render(events) {
      const fragment = document.createDocumentFragment();
      const wanted = filterText();
      for (const event of events) {
        fragment.append(lineElement(event, wanted));
      }
      list.append(fragment);
      while (list.childElementCount > MAX_LINES) {
        list.firstElementChild.remove();
      }
      if (follow.checked) {
        list.scrollTop = list.scrollHeight;
      }
    }

    const source = new EventSource(root.dataset.streamUrl);
    source.addEventListener("open", () => {
      if (opened) {
        list.replaceChildren(); // a reconnect sends the last lines again
      }
      opened = true;
      setStatus("streaming", paused ? "Paused" : "Streaming");
    });
    source.addEventListener("message", (message) => {
      const event = JSON.parse(message.data);
      if (paused) {
        waiting.push(event);
        setStatus("paused", `Paused: ${waiting.length} new line(s) waiting`);
      } else {
        render([event]);
      }
    });
    source.addEventListener("end", () => {
      source.close();
      render(waiting);
      waiting = [];
      setStatus("ended", "Ended: the container stopped or its log stream closed. Reload to reconnect.");
    });
    source.addEventListener("stream-error", (message) => {
      const error = JSON.parse(message.data);
      if (error.retryable) {
        setStatus("connecting", `${error.message} (${error.code}) Trying again…`);
        return; // the response ends and the EventSource reconnects after the server's `retry`
      }
      source.close();
      setStatus("error", `Error: ${error.message} (${error.code})`);
    });
    source.addEventListener("error", () => {
      if (source.readyState === EventSource.CLOSED) {
        setStatus("error", "Error: the log stream could not be opened. Reload the page to try again.");
      } else {
        setStatus("connecting", "Connection lost; reconnecting…");
      }
    });

    pauseButton.addEventListener("click", () => {
      paused = !paused;
      pauseButton.setAttribute("aria-pressed", String(paused));
      pauseButton.textContent = paused ? "Resume" : "Pause";
      if (!paused) {
        render(waiting);
        waiting = [];
        if (source.readyState === EventSource.OPEN) {
          setStatus("streaming", "Streaming");
        }
      } else if (source.readyState === EventSource.OPEN) {
        setStatus("paused", "Paused");
      }
    });
    follow.addEventListener("change", () => {
      if (follow.checked) {
        list.scrollTop = list.scrollHeight;
      }
    });
    filter.addEventListener("input", () => {
      const wanted = filterText();
      for (const item of list.children) {
        item.hidden = Boolean(wanted) && !item.lastElementChild.textContent.toLowerCase().includes(wanted);
      }
    });
    clear.addEventListener("click", () => {
      list.replaceChildren();
      waiting = [];
    });
    return source;
  }

  function startAll(root) {
    const found = root.matches && root.matches("[data-log-viewer]") ? [root] : [];
    for (const viewer of [...found, ...root.querySelectorAll("[data-log-viewer]")]) {
      if (!viewers.has(viewer)) {
        viewers.set(viewer, start(viewer));
      }
    }
  }

  // The tab panel may arrive through htmx (tab switch); the stream closes when it is swapped out.
  document.addEventListener("htmx:load", (event) => startAll(event.detail.elt));
  document.addEventListener("htmx:beforeCleanupElement", (event) => {
    const source = viewers.get(event.target);
    if (source) {
      source.close();
      viewers.delete(event.target);
    }
  });
  startAll(document);
})();
