/* 360° viewer for panorama works (Pannellum, vendored): drag, zoom, full screen, and on a
 * phone the gyroscope button Pannellum shows where the browser allows device orientation
 * (HTTPS; iOS asks the user first). A 360° video is a plain <video> element handed to
 * Pannellum as a dynamic texture, with our own play button. A view is counted like any
 * other work: `play` when the panorama has loaded (or the video starts), `ended` at the
 * video's end. Without JavaScript the page shows the flat picture or the video. */
(function () {
  "use strict";
  var stage = document.getElementById("dk-panorama");
  if (!stage || typeof pannellum === "undefined") return;
  var fallback = document.getElementById("dk-panorama-fallback");
  if (fallback) fallback.hidden = true;
  stage.hidden = false;
  var form = document.getElementById("dk-comment-form");
  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]");

  var sent = {};
  function report(event) {
    var url = stage.dataset.eventUrl;
    if (sent[event] || !url) return;
    sent[event] = true;
    fetch(url, {
      method: "POST",
      body: new URLSearchParams({ event: event }),
      credentials: "same-origin",
      headers: csrf ? { "X-CSRFToken": csrf.value } : {},
    }).catch(function () { sent[event] = false; });
  }

  var options = {
    type: "equirectangular",
    autoLoad: true,
    showFullscreenCtrl: true,
    compass: false,
    hfov: 100,
    strings: {
      loadButtonLabel: stage.dataset.loadLabel || "",
      loadingLabel: stage.dataset.loadingLabel || "",
      orientationLabel: stage.dataset.orientationLabel || "",
      // Pannellum's fallback messages stay in English; the page explains in Chinese.
    },
  };

  if (stage.dataset.kind === "video") {
    var video = document.createElement("video");
    video.src = stage.dataset.src;
    video.crossOrigin = "anonymous";
    video.playsInline = true;
    video.muted = false;
    video.preload = "auto";
    options.panorama = video;
    options.dynamic = true;
    var viewer;
    var button = document.getElementById("dk-panorama-play");
    var start = function () {
      viewer = pannellum.viewer(stage, options);
      viewer.setUpdate(true);
    };
    video.addEventListener("loadeddata", start, { once: true });
    video.addEventListener("play", function () { report("play"); if (viewer) viewer.setUpdate(true); });
    video.addEventListener("pause", function () { if (viewer) viewer.setUpdate(false); });
    video.addEventListener("ended", function () { report("ended"); });
    if (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        if (video.paused) { video.play(); button.textContent = button.dataset.pause; }
        else { video.pause(); button.textContent = button.dataset.play; }
      });
    }
    video.load();
  } else {
    options.panorama = stage.dataset.src;
    var picture = pannellum.viewer(stage, options);
    stage.viewer = picture; // for the browser test: it reads the view's direction
    picture.on("load", function () {
      stage.dataset.loaded = "1";
      report("play");
    });
  }
  if (form) form.dataset.panorama = "1";
})();
