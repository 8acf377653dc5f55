// The check-in kiosk (/kiosk/<venue>): posts each scan as JSON (config.api: the JSON API for
// staff, /kiosk/<venue>/checkins on a paired device) with a request key made here, shows the result in place, and keeps the scan box focused for the next person.
// When the network is down, scans wait in localStorage and are sent again when it is back:
// the request key makes a resend harmless (the server answers the first result again).
// Without this script the forms post to the page itself and work the same way.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("kiosk-config").textContent);
  var words = config.words;
  var QUEUE = "learncity-kiosk-queue-" + config.venue_id;
  var TIMEOUT_MS = 8000;
  var scan, input, phone, phoneForm, nameField, result, banner, csrf;
  var resetTimer = null, flushing = false, needSignIn = false;
  // the step of the kiosk's last question (name, class): its answer carries it back, within
  // config.idle_seconds (the server refuses it later: the person is forgotten)
  var step = "";

  function newKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return "kiosk-" + Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function hhmm(iso) {
    if (!iso) return "";
    return new Intl.DateTimeFormat("en-GB", {
      hour: "2-digit", minute: "2-digit", hour12: false, timeZone: config.time_zone
    }).format(new Date(iso));
  }

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (_, name) {
      return values[name] === undefined ? "" : String(values[name]);
    });
  }

  // ------------------------------------------------------------ the queue

  function load() {
    try { return JSON.parse(localStorage.getItem(QUEUE) || "[]"); } catch (e) { return []; }
  }

  function save(items) { localStorage.setItem(QUEUE, JSON.stringify(items)); }

  function showBanner() {
    var waiting = load().length;
    var text = "";
    if (needSignIn) text = config.banner.sign_in;
    else if (!navigator.onLine) text = config.banner.offline;
    else if (waiting) text = config.banner.sending;
    banner.hidden = !text;
    banner.textContent = fill(text, {n: waiting});
  }

  function post(body) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, TIMEOUT_MS) : null;
    return fetch(config.api, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify(body),
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      if (timer) clearTimeout(timer);
      // sent to the sign-in page (no staff session, no paired device any more): refused
      if (response.redirected) return {status: 401, data: {}};
      return response.json().catch(function () { return {}; }).then(function (data) {
        return {status: response.status, data: data};
      });
    }, function (error) {
      if (timer) clearTimeout(timer);
      throw error;
    });
  }

  function flush() {
    if (flushing || !navigator.onLine) { showBanner(); return; }
    var items = load();
    if (!items.length) { showBanner(); return; }
    flushing = true;
    showBanner();
    var item = items[0];
    post(item).then(function (answer) {
      flushing = false;
      if (answer.status === 401 || answer.status === 403) { needSignIn = true; showBanner(); return; }
      if (answer.status >= 500) { showBanner(); return; }
      needSignIn = false;
      save(load().filter(function (x) { return x.request_key !== item.request_key; }));
      flush();
    }, function () {
      flushing = false;
      showBanner();
    });
  }

  // ------------------------------------------------------------ showing a result

  function add(parent, tag, text, className) {
    var node = document.createElement(tag);
    if (text) node.textContent = text;
    if (className) node.className = className;
    parent.appendChild(node);
    return node;
  }

  function clearResult() {
    if (resetTimer) { clearTimeout(resetTimer); resetTimer = null; }
    result.textContent = "";
  }

  function resetLater(seconds) {
    if (resetTimer) clearTimeout(resetTimer);
    resetTimer = setTimeout(function () {
      step = "";
      clearResult();
      phoneForm.reset();
      nameField.hidden = true;
      phone.open = false;
      input.focus();
    }, seconds * 1000);
  }

  function box(kind, code, headline) {
    clearResult();
    var div = add(result, "div", "", "result " + kind);
    div.setAttribute("data-testid", "kiosk-result");
    div.setAttribute("data-code", code);
    var p = add(div, "p", "", "headline");
    var mark = add(p, "span", kind === "ok" ? "✓" : kind === "ask" ? "?" : "✕", "mark");
    mark.setAttribute("aria-hidden", "true");
    p.appendChild(document.createTextNode(" " + headline));
    return div;
  }

  function fact(list, term, value) {
    var row = add(list, "div");
    add(row, "dt", term);
    return add(row, "dd", value);
  }

  function showDone(data) {
    var div = box("ok", "checked_in", data.replayed ? words.replayed : words.checked_in);
    var who = add(div, "p", data.learner_name, "who");
    if (data.status === "late") {
      who.appendChild(document.createTextNode(" · "));
      add(who, "strong", words.late);
    }
    var list = add(div, "dl", "", "facts");
    fact(list, words["class"], data.title).setAttribute("data-testid", "result-title");
    fact(list, words.room, data.room);
    fact(list, words.time, hhmm(data.starts_at) + "–" + hhmm(data.ends_at));
  }

  function showRefusal(data, body) {
    var details = data.details || {};
    var code = data.code || "error";
    var key = code in words ? code : "error";
    var asking = false;
    if (code === "more_detail_needed") {
      key = details.ask_for === "staff" ? "more_detail_staff" : "more_detail_name";
      asking = details.ask_for !== "staff";
    }
    var choices = (details.choices || []).filter(function (c) { return c.open_now; });
    var kind = asking || choices.length ? "ask" : "no";
    var headline = fill(words[key], {
      at: details.checked_in_at ? hhmm(details.checked_in_at) : (details.at || ""),
      opens: hhmm(details.opens_at)
    });
    step = details.step || "";
    var div = box(kind, code, headline);
    if (details.title) {
      add(div, "p", details.title + (details.room ? " · " + details.room : ""), "who");
    }
    if (asking) {
      phone.open = true;
      nameField.hidden = false;
      document.getElementById("name").focus();
      resetLater(config.idle_seconds);
      return;
    }
    if (choices.length) {
      var list = add(div, "ul", "", "choices");
      choices.forEach(function (c) {
        var button = add(add(list, "li"), "button", c.title, "choice");
        button.type = "button";
        add(button, "span", c.room + " · " + hhmm(c.starts_at) + "–" + hhmm(c.ends_at));
        button.addEventListener("click", function () {
          var again = {};
          Object.keys(body).forEach(function (k) { again[k] = body[k]; });
          again.session_id = c.session_id;
          again.step = step;
          checkIn(again);
        });
      });
      list.querySelector("button").focus();
      resetLater(config.idle_seconds);
      return;
    }
    input.focus();
    resetLater(config.reset_seconds);
  }

  function showQueued() {
    box("ask", "queued", words.queued);
    input.focus();
    resetLater(config.reset_seconds);
  }

  // ------------------------------------------------------------ a check-in

  function queue(body, scannedAt) {
    var item = {};
    Object.keys(body).forEach(function (k) { item[k] = body[k]; });
    item.scanned_at = scannedAt;
    var items = load();
    items.push(item);
    save(items);
    showQueued();
    showBanner();
  }

  function checkIn(body) {
    body.request_key = newKey();
    var scannedAt = new Date().toISOString();
    if (!navigator.onLine) { queue(body, scannedAt); return; }
    post(body).then(function (answer) {
      if (answer.status >= 500) { queue(body, scannedAt); return; }
      if (answer.status === 200 || answer.status === 201) {
        showDone(answer.data);
        phoneForm.reset();
        nameField.hidden = true;
        phone.open = false;
        input.focus();
        resetLater(config.reset_seconds);
      } else {
        if (answer.status === 401 || answer.status === 403) { needSignIn = true; showBanner(); }
        showRefusal(answer.data, body);
      }
    }, function () { queue(body, scannedAt); });
  }

  function start() {
    scan = document.getElementById("scan");
    input = document.getElementById("token");
    phone = document.getElementById("phone");
    phoneForm = document.getElementById("phone-form");
    nameField = document.getElementById("name-field");
    result = document.getElementById("result");
    banner = document.getElementById("network");
    csrf = scan.querySelector("input[name=csrfmiddlewaretoken]").value;

    scan.addEventListener("submit", function (event) {
      event.preventDefault();
      var token = input.value.trim();
      input.value = "";
      input.focus();
      if (!token) return;
      checkIn({token: token});
    });
    phoneForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = {
        phone_tail: phoneForm.elements.phone_tail.value.trim(),
        birth_year: parseInt(phoneForm.elements.birth_year.value.trim(), 10) || null,
        name: phoneForm.elements.name.value.trim()
      };
      if (body.name) body.step = step;
      checkIn(body);
    });
    // a click anywhere else gives the focus back to the scan box (a scanner types there)
    document.addEventListener("click", function (event) {
      if (!event.target.closest("a, button, input, summary, details, video")) input.focus();
    });
    if (result.textContent.trim()) resetLater(config.reset_seconds);
    window.addEventListener("online", function () { needSignIn = false; flush(); });
    window.addEventListener("offline", showBanner);
    setInterval(flush, 15000);
    flush();
    startCamera();
  }

  // ------------------------------------------------------------ the camera (where the browser can)

  function startCamera() {
    var button = document.getElementById("camera");
    var view = document.getElementById("camera-view");
    var video = document.getElementById("camera-video");
    var stop = document.getElementById("camera-stop");
    if (!("BarcodeDetector" in window) || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
    button.hidden = false;
    var stream = null, detector = null;
    function close() {
      if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
      stream = null;
      view.hidden = true;
      button.hidden = false;
      input.focus();
    }
    function look() {
      if (!stream) return;
      detector.detect(video).then(function (codes) {
        if (codes.length) {
          var token = codes[0].rawValue;
          close();
          checkIn({token: token});
        } else {
          setTimeout(look, 250);
        }
      }, function () { setTimeout(look, 500); });
    }
    button.addEventListener("click", function () {
      detector = new window.BarcodeDetector({formats: ["qr_code"]});
      navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}}).then(function (s) {
        stream = s;
        video.srcObject = s;
        view.hidden = false;
        button.hidden = true;
        return video.play();
      }).then(look, function () {
        close();
        box("no", "camera_error", words.camera_error);
        resetLater(config.reset_seconds);
      });
    });
    stop.addEventListener("click", close);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
