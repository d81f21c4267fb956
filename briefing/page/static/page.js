// briefing's page: a little script on top of pages that work without it.
"use strict";

function buildProgress(box) {
  const stage = box.querySelector(".stage"), bar = box.querySelector("progress");
  const status = box.querySelector(".status"), cancel = box.querySelector("form");
  const events = new EventSource(`/builds/${box.dataset.build}/events`);
  events.addEventListener("progress", (message) => {
    const build = JSON.parse(message.data);
    box.dataset.state = build.state;
    stage.textContent = build.state === "running" || build.state === "queued"
      ? build.label : build.state[0].toUpperCase() + build.state.slice(1);
    bar.value = build.total ? build.done / build.total : (build.stage === "encode" ? 1 : 0);
    if (build.state === "done") {
      events.close();
      location.assign(`/b/${encodeURIComponent(build.target)}`);
    } else if (build.state === "failed" || build.state === "cancelled") {
      events.close();
      if (cancel) cancel.remove();
      status.replaceChildren(Object.assign(document.createElement("p"), {
        className: "error",
        textContent: build.state === "failed" ? build.message : "Cancelled; nothing was written.",
      }));
    } else if (build.message) {
      status.replaceChildren(Object.assign(document.createElement("p"), {
        className: "warning", textContent: build.message }));
    }
  });
}

function player(audio) {
  const cues = [...document.querySelectorAll(".cue")];
  const starts = cues.map((cue) => parseFloat(cue.dataset.start));
  let current = -1;
  const seek = (seconds) => { audio.currentTime = seconds; audio.play().catch(() => {}); };
  document.querySelectorAll("ol.chapters a, .cue").forEach((item) =>
    item.addEventListener("click", (event) => {
      event.preventDefault();
      seek(parseFloat(item.dataset.start));
    }));
  const follow = () => {
    const time = audio.currentTime;
    let index = -1, low = 0, high = starts.length - 1;
    while (low <= high) {  // the last cue that starts at or before now
      const middle = (low + high) >> 1;
      if (starts[middle] <= time + 0.001) { index = middle; low = middle + 1; } else high = middle - 1;
    }
    if (index >= 0 && time >= parseFloat(cues[index].dataset.end)) index = -1;
    if (index === current) return;
    if (current >= 0) cues[current].classList.remove("now");
    current = index;
    if (index >= 0) {
      cues[index].classList.add("now");
      const box = document.querySelector(".transcript .scroll"), cue = cues[index];
      if (cue.offsetTop < box.scrollTop || cue.offsetTop > box.scrollTop + box.clientHeight - 40)
        box.scrollTo({ top: cue.offsetTop - box.clientHeight / 3, behavior: "smooth" });
    }
  };
  // Every frame while playing (time updates come only about four times a second, and a short
  // sentence would be skipped), and on every time update and seek.
  const frame = () => { follow(); if (!audio.paused) requestAnimationFrame(frame); };
  audio.addEventListener("play", () => requestAnimationFrame(frame));
  audio.addEventListener("timeupdate", follow);
  audio.addEventListener("seeked", follow);
}

function dropZone(zone) {
  const input = zone.querySelector("input[type=file]");
  zone.addEventListener("dragover", (event) => { event.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    if (event.dataTransfer.files.length) input.files = event.dataTransfer.files;
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const box = document.querySelector("[data-build]");
  if (box && !["done", "failed", "cancelled"].includes(box.dataset.state)) buildProgress(box);
  const audio = document.querySelector("audio");
  if (audio) player(audio);
  document.querySelectorAll("[data-drop]").forEach(dropZone);
  document.querySelectorAll("[data-copy]").forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", () => {
      const field = document.getElementById(button.dataset.copy);
      field.select();
      navigator.clipboard?.writeText(field.value).catch(() => document.execCommand("copy"));
    });
  });
  document.querySelectorAll("[data-confirm]").forEach((button) =>
    button.addEventListener("click", (event) => {
      if (!confirm(button.dataset.confirm)) event.preventDefault();
    }));
});
