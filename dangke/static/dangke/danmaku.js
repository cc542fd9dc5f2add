/* New-media player: 弹幕 scrolling over the video, the current time put into the comment
 * form, and anonymous view counting (play / ended). No libraries; the page works without
 * this file (comments post as plain comments, nothing scrolls, views are not counted). */
(function () {
  "use strict";
  var player = document.getElementById("dk-player");
  if (!player) return;
  var form = document.getElementById("dk-comment-form");
  var csrf = form ? form.querySelector("input[name=csrfmiddlewaretoken]") : null;

  // View counting: one `play` per page load, one `ended` per page load.
  var sent = {};
  function report(event) {
    if (sent[event] || !player.dataset.eventUrl) return;
    sent[event] = true;
    var body = new URLSearchParams({ event: event });
    fetch(player.dataset.eventUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: csrf ? { "X-CSRFToken": csrf.value } : {},
    }).catch(function () { sent[event] = false; });
  }
  player.addEventListener("play", function () { report("play"); });
  player.addEventListener("ended", function () { report("ended"); });

  // The 弹幕 checkbox sends the second of the video the member is at.
  if (form) {
    var at = form.querySelector("input[name=at_seconds]");
    var label = document.getElementById("dk-at-label");
    var update = function () {
      var t = Math.floor(player.currentTime || 0);
      if (at) at.value = String(t);
      if (label) label.textContent = "（" + Math.floor(t / 60) + ":" + String(t % 60).padStart(2, "0") + "）";
    };
    player.addEventListener("timeupdate", update);
    form.addEventListener("submit", update);
    update();
  }

  // 弹幕: each public one crosses the video once when playback passes its second.
  var layer = document.getElementById("dk-danmaku");
  var data = document.getElementById("dk-danmaku-data");
  if (!layer || !data) return;
  var items = JSON.parse(data.textContent || "[]").sort(function (a, b) { return a.t - b.t; });
  var toggle = document.getElementById("dk-danmaku-toggle");
  var lanes = 6, lane = 0, last = -1, nextIndex = 0;

  function launch(text) {
    var span = document.createElement("span");
    span.textContent = text;
    span.style.top = (lane * 1.6 + 0.3) + "em";
    lane = (lane + 1) % lanes;
    layer.appendChild(span);
    var distance = layer.clientWidth + span.clientWidth + 20;
    var animation = span.animate(
      [{ transform: "translateX(0)" }, { transform: "translateX(-" + distance + "px)" }],
      { duration: 8000, easing: "linear" }
    );
    animation.onfinish = function () { span.remove(); };
  }

  function seekTo(time) {
    nextIndex = 0;
    while (nextIndex < items.length && items[nextIndex].t < Math.floor(time)) nextIndex++;
    layer.textContent = "";
  }

  player.addEventListener("seeked", function () { seekTo(player.currentTime); });
  player.addEventListener("timeupdate", function () {
    var now = Math.floor(player.currentTime);
    if (now === last) return;
    if (now < last) seekTo(now);
    last = now;
    var visible = !toggle || toggle.checked;
    while (nextIndex < items.length && items[nextIndex].t <= now) {
      if (visible) launch(items[nextIndex].text);
      nextIndex++;
    }
  });
  if (toggle) toggle.addEventListener("change", function () {
    layer.style.display = toggle.checked ? "" : "none";
  });
})();
