// Narrative dashboard: polls /api/narratives and renders stories and their narratives.
//
// Every string shown here comes from untrusted documents (texts, sources, keywords), so the
// DOM is built node by node: text goes in with createTextNode/textContent, attributes with
// setAttribute, never as markup. No HTML parsing API is used anywhere in this file (a unit
// test checks that), and the page's Content-Security-Policy forbids inline script besides.
"use strict";

(function () {
  const API = "/api/narratives";
  const params = new URLSearchParams(window.location.search);
  const POLL_MS = Math.min(60000, Math.max(500, Number(params.get("poll")) || 3000));
  const SVG_NS = "http://www.w3.org/2000/svg";

  let revision = null;
  let lastData = null;
  const toggled = new Map(); // "narrativeId/section" -> open, for <details> a reader toggled

  // el("div", {class: "x", "data-id": id}, child, "text", ...): strings become text nodes.
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value !== null && value !== undefined) node.setAttribute(name, String(value));
    }
    append(node, children);
    return node;
  }

  function append(node, children) {
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      if (Array.isArray(child)) append(node, child);
      else if (child instanceof Node) node.appendChild(child);
      else node.appendChild(document.createTextNode(String(child)));
    }
  }

  function shortTime(stamp) {
    if (typeof stamp !== "string") return "–";
    return stamp.replace("T", " ").replace(/:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/, "Z");
  }

  function entries(map, limit) {
    return Object.entries(map || {})
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, limit);
  }

  function sparkline(history) {
    const width = 140, height = 32, pad = 3;
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("class", "spark");
    svg.setAttribute("width", String(width));
    svg.setAttribute("height", String(height));
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    svg.setAttribute("role", "img");
    const sizes = (history || []).map((p) => Number(p.size) || 0);
    const tip = document.createElementNS(SVG_NS, "title");
    tip.textContent = "size per event: " + sizes.join(", ");
    svg.appendChild(tip);
    if (sizes.length === 0) return svg;
    const max = Math.max(1, ...sizes);
    const step = sizes.length > 1 ? (width - 2 * pad) / (sizes.length - 1) : 0;
    const points = sizes.map((s, i) => [
      pad + i * step,
      height - pad - (s / max) * (height - 2 * pad),
    ]);
    const line = document.createElementNS(SVG_NS, "polyline");
    line.setAttribute("points", points.map((p) => p[0].toFixed(1) + "," + p[1].toFixed(1)).join(" "));
    line.setAttribute("class", "spark-line");
    svg.appendChild(line);
    const last = points[points.length - 1];
    const dot = document.createElementNS(SVG_NS, "circle");
    dot.setAttribute("cx", last[0].toFixed(1));
    dot.setAttribute("cy", last[1].toFixed(1));
    dot.setAttribute("r", "2.5");
    dot.setAttribute("class", "spark-dot");
    svg.appendChild(dot);
    return svg;
  }

  function chips(className, pairs) {
    return el("ul", { class: "chips " + className },
      pairs.map(([label, value]) => el("li", { class: "chip" }, label, value === undefined ? null : el("span", { class: "n" }, String(value)))));
  }

  // A <details> keeps the state the reader gave it across re-renders; until then, its default.
  function details(narrativeId, section, summary, body, openByDefault) {
    const key = narrativeId + "/" + section;
    const node = el("details", { class: section, "data-key": key }, el("summary", {}, summary), body);
    node.open = toggled.has(key) ? toggled.get(key) : Boolean(openByDefault);
    node.addEventListener("toggle", () => toggled.set(key, node.open));
    return node;
  }

  function title(n) {
    const terms = (n.keywords || []).slice(0, 3).map((k) => k.term).join(", ");
    if (n.label !== undefined && n.label !== null && String(n.label) !== "") return String(n.label);
    return terms || n.narrative_id;
  }

  function lifecycleItem(step) {
    const links = [];
    if ((step.parent_ids || []).length) links.push(" ← " + step.parent_ids.join(", "));
    if ((step.child_ids || []).length) links.push(" → " + step.child_ids.join(", "));
    return el("li", { class: "step step-" + String(step.type) },
      el("span", { class: "step-type" }, String(step.type)),
      " v" + String(step.version) + " ",
      el("time", {}, shortTime(step.window_start) + " – " + shortTime(step.window_end)),
      " size " + String(step.size),
      links);
  }

  function representative(rep) {
    const meta = [rep.kind, rep.source, rep.lang, shortTime(rep.published_at)]
      .filter((x) => x !== null && x !== undefined && x !== "")
      .join(" · ");
    return el("li", { class: "rep" },
      el("blockquote", { class: "rep-text" }, String(rep.text || "")),
      el("div", { class: "rep-meta" }, meta, " · ", String(rep.doc_id || "")));
  }

  // Optional fields of newer event versions (signals, amplification, ...), shown generically.
  function compact(value) {
    if (typeof value === "number") return Number.isInteger(value) ? String(value) : value.toPrecision(3);
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      return Object.entries(value)
        .filter(([, v]) => v !== null && v !== undefined && v !== "")
        .map(([k, v]) => k + " " + (typeof v === "object" ? JSON.stringify(v) : compact(v)))
        .join(" · ");
    }
    return typeof value === "string" ? value : JSON.stringify(value);
  }

  function extras(narrativeId, extra) {
    const keys = Object.keys(extra || {});
    if (keys.length === 0) return null;
    const rows = keys.map((key) => {
      let text = compact(extra[key]);
      if (text.length > 400) text = text.slice(0, 400) + "…";
      return el("li", { class: "extra" }, el("span", { class: "extra-key" }, key + ": "), text);
    });
    return details(narrativeId, "extras", keys.join(", "), el("ul", { class: "extras-list" }, rows), false);
  }

  function card(n) {
    const counts = n.counts || {};
    return el("article", {
        class: "card status-" + String(n.status),
        "data-narrative-id": n.narrative_id,
        "data-version": n.version,
        "data-size": n.size,
      },
      el("header", { class: "card-head" },
        el("h3", { class: "card-title" }, title(n)),
        el("span", { class: "badge badge-" + String(n.status) }, String(n.status))),
      el("div", { class: "card-ids" },
        el("code", { class: "nid" }, n.narrative_id),
        el("span", { class: "version" }, " v" + String(n.version)),
        el("span", { class: "last-type" }, " · last: " + String(n.type)),
        n.merged_into ? el("span", { class: "merged-into" }, " · merged into ", el("code", {}, n.merged_into)) : null),
      el("div", { class: "card-stats" },
        el("div", { class: "size" }, el("strong", {}, String(n.size)), " docs",
          n.attached_size ? el("span", { class: "attached", title: "left as noise by clustering but inside the narrative's extent" }, " + " + String(n.attached_size) + " attached") : null,
          el("span", { class: "peak" }, " (peak " + String(n.peak_size) + ")")),
        sparkline(n.history)),
      el("div", { class: "window" }, "window ", shortTime(n.window && n.window.start), " – ", shortTime(n.window && n.window.end)),
      chips("keywords", (n.keywords || []).map((k) => [k.term])),
      el("div", { class: "facet" }, el("span", { class: "facet-name" }, "languages"), chips("langs", entries(counts.by_lang, 8))),
      el("div", { class: "facet" }, el("span", { class: "facet-name" }, "sources"), chips("sources", entries(counts.by_source, 8))),
      extras(n.narrative_id, n.extra),
      details(n.narrative_id, "reps", "representative documents (" + (n.representatives || []).length + ")",
        el("ol", { class: "reps-list" }, (n.representatives || []).map(representative)), true),
      details(n.narrative_id, "lifecycle", "lifecycle (" + (n.lifecycle || []).length + " events)",
        el("ol", { class: "lifecycle-list" }, (n.lifecycle || []).slice().reverse().map(lifecycleItem)), false));
  }

  function story(s, showEnded) {
    const narratives = s.narratives.filter((n) => showEnded || n.status === "live");
    if (narratives.length === 0) return null;
    const lead = s.narratives[0];
    return el("section", { class: "story" + (s.live ? "" : " story-ended"), "data-story-id": s.story_id },
      el("h2", { class: "story-head" },
        el("span", { class: "story-title" }, "Story: " + title(lead)),
        el("span", { class: "story-meta" }, " " + s.live + " live · " + s.size + " docs · ", el("code", {}, s.story_id))),
      el("div", { class: "cards" }, narratives.map(card)));
  }

  function render(data) {
    const board = document.getElementById("board");
    const showEnded = document.getElementById("show-ended").checked;
    const sections = (data.stories || []).map((s) => story(s, showEnded)).filter(Boolean);
    board.replaceChildren(...sections);
    if (sections.length === 0) {
      board.appendChild(el("p", { class: "empty", id: "empty" },
        "No narratives yet: they appear as soon as the worker closes a slide with a cluster in it."));
    }
    document.getElementById("watermark").textContent = shortTime(data.watermark);
    document.getElementById("live-count").textContent = String(data.live || 0);
    document.getElementById("ended-count").textContent = String(data.ended || 0);
    document.getElementById("story-count").textContent = String((data.stories || []).length);
    document.getElementById("revision").textContent = String(data.revision);
  }

  function setStatus(text, ok) {
    const node = document.getElementById("status");
    node.textContent = text;
    node.className = "status " + (ok ? "ok" : "error");
  }

  async function poll() {
    try {
      const url = revision === null ? API : API + "?since=" + encodeURIComponent(revision);
      const response = await fetch(url, { cache: "no-store" });
      if (!response.ok) throw new Error("HTTP " + response.status);
      const data = await response.json();
      if (!data.unchanged) {
        lastData = data;
        revision = data.revision;
        render(data);
      }
      setStatus("live · checked " + new Date().toLocaleTimeString(), true);
    } catch (err) {
      setStatus("cannot reach the worker (" + String(err && err.message) + "); retrying", false);
    } finally {
      window.setTimeout(poll, POLL_MS);
    }
  }

  document.getElementById("show-ended").addEventListener("change", () => {
    if (lastData) render(lastData);
  });
  poll();
})();
