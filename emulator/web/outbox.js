// The emulator's outbox page: reads the control API, renders with DOM nodes and textContent only
// (message text never becomes markup), polls for live updates. No build step, no dependencies.
"use strict";

(function () {
  const API = "/_emulator";
  // Refresh period: 1 s, or ?poll=<ms> in the page's URL (at least 100).
  const POLL_MS = Math.max(100, Number(new URLSearchParams(location.search).get("poll")) || 1000);
  const LIMIT = 200;
  const PUSH_LIMIT = 50;
  const PUSH_KINDS = { SmsReport: "receipts", SmsUp: "reply" };
  const STATUS = { 1: "waiting", 2: "failed", 3: "delivered" };
  const TEMPLATE_TYPES = { 0: "verification code", 1: "notification", 2: "promotion" };

  // Each switch is one chaos rule, in the exact shape GET /_emulator/chaos answers with.
  const SWITCHES = [
    { id: "sms-flow-control", label: "SMS flow control", detail: "SendSms answers isv.BUSINESS_LIMIT_CONTROL",
      rule: { service: "sms", action: "SendSms", fault: { type: "error", code: "isv.BUSINESS_LIMIT_CONTROL" } } },
    { id: "sms-throttled", label: "SMS throttled", detail: "400 Throttling.User, retry after 1 s",
      rule: { service: "sms", action: "*",
              fault: { type: "error", code: "Throttling.User", status: 400, retryAfterMs: 1000 } } },
    { id: "sms-unavailable", label: "SMS down", detail: "every SMS call answers 503",
      rule: { service: "sms", action: "*", fault: { type: "http", status: 503 } } },
    { id: "sms-drop", label: "SMS drops connections", detail: "closed without an answer",
      rule: { service: "sms", action: "*", fault: { type: "drop" } } },
    { id: "sms-slow", label: "SMS slow", detail: "+1 s before every SMS answer",
      rule: { service: "sms", action: "*", fault: { type: "latency", ms: 1000 } } },
    { id: "kms-throttled", label: "KMS throttled", detail: "429 Rejected.Throttling",
      rule: { service: "kms", action: "*", fault: { type: "http", status: 429 } } },
    { id: "kms-unavailable", label: "KMS down", detail: "503 ServiceUnavailableTemporary",
      rule: { service: "kms", action: "*", fault: { type: "http", status: 503 } } },
    { id: "kms-internal-failure", label: "KMS failing", detail: "500 InternalFailure",
      rule: { service: "kms", action: "*", fault: { type: "http", status: 500 } } },
    { id: "oss-unavailable", label: "OSS down", detail: "element reads answer 503",
      rule: { service: "oss", action: "*", fault: { type: "http", status: 503 } } },
  ];

  const state = {
    messages: [], total: 0, listingText: null, listingSeq: 0, selected: null, showPhones: false,
    rules: [], chaosEdits: 0, chaosBusy: false, filterTimer: null,
    pushes: [], pushTotal: 0, pushesText: null, pushSettingsText: null, pushSettings: null,
  };
  const $ = (id) => document.getElementById(id);

  function el(tag, props, children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(props || {})) {
      if (name === "text") node.textContent = value;
      else if (name === "className") node.className = value;
      else node.setAttribute(name, value);
    }
    for (const child of children || []) node.append(child);
    return node;
  }

  function maskPhone(phone) {
    const digits = String(phone || "").replace(/[\s-]/g, "");
    return digits.length < 7 ? "****" : digits.slice(0, 3) + "****" + digits.slice(-4);
  }

  function shownPhone(phone) {
    return state.showPhones ? String(phone) : maskPhone(phone);
  }

  function formatTime(iso) {
    if (!iso) return "—";
    const moment = new Date(iso);
    if (Number.isNaN(moment.getTime())) return String(iso);
    const pad = (n) => String(n).padStart(2, "0");
    return `${moment.getFullYear()}-${pad(moment.getMonth() + 1)}-${pad(moment.getDate())} ` +
      `${pad(moment.getHours())}:${pad(moment.getMinutes())}:${pad(moment.getSeconds())}`;
  }

  function statusText(message) {
    const name = STATUS[message.status] || String(message.status);
    return message.status === 2 && message.errCode ? `${name} · ${message.errCode}` : name;
  }

  function statusBadge(message) {
    const badge = [el("span", { className: `status status-${message.status}`,
                                text: STATUS[message.status] || String(message.status) })];
    if (message.status === 2 && message.errCode) badge.push(el("small", { className: "err", text: message.errCode }));
    return badge;
  }

  function messageKey(message) {
    return [message.bizId, message.phone, message.sentAt].join("\u0000");
  }

  // ---- messages -------------------------------------------------------------------------------

  function currentFilters() {
    return {
      phone: $("filter-phone").value.replace(/[\s-]/g, ""),
      template: $("filter-template").value.trim(),
      status: $("filter-status").value,
    };
  }

  function listingUrl(filters) {
    const query = new URLSearchParams({ limit: String(LIMIT) });
    if (filters.phone) query.set("phoneContains", filters.phone);
    if (filters.template) query.set("templateContains", filters.template);
    if (filters.status) query.set("status", filters.status);
    return `${API}/sms/messages?${query}`;
  }

  // The list says which search it shows (data-phone, data-template, data-status), so a reader can
  // tell a listing that already answers a new search from the one before it.
  function markFilters(filters) {
    const rows = $("message-rows");
    for (const [name, value] of Object.entries(filters)) rows.setAttribute(`data-${name}`, value);
  }

  async function requestJson(url, options) {
    const response = await fetch(url, Object.assign({ cache: "no-store" }, options));
    const text = await response.text();
    if (!response.ok) {
      let reason = `HTTP ${response.status}`;
      try { reason = JSON.parse(text).error || reason; } catch (ignored) { /* not JSON */ }
      throw new Error(reason);
    }
    return text;
  }

  async function refreshMessages() {
    const seq = ++state.listingSeq;
    const filters = currentFilters();
    const text = await requestJson(listingUrl(filters));
    if (seq !== state.listingSeq) return; // a newer request is on its way
    markFilters(filters);
    if (text === state.listingText) return; // nothing new
    const listing = JSON.parse(text);
    state.listingText = text;
    state.messages = listing.messages;
    state.total = listing.total;
    renderMessages();
  }

  function rowFor(message, index) {
    const key = messageKey(message);
    const cells = [
      el("td", { className: "time", "data-testid": "cell-time", title: message.sentAt, text: formatTime(message.sentAt) }),
      el("td", { className: "phone mono", "data-testid": "cell-phone", text: shownPhone(message.phone) }),
      el("td", { className: "sign", "data-testid": "cell-sign", text: message.signName }),
      el("td", { className: "template mono", "data-testid": "cell-template", text: message.templateCode }),
      el("td", { className: "content", "data-testid": "cell-content", text: message.content }),
      el("td", { "data-testid": "cell-status" }, statusBadge(message)),
    ];
    const row = el("tr", { "data-testid": "message-row", "data-biz-id": message.bizId, "data-index": String(index),
                           "data-status": String(message.status), tabindex: "0" }, cells);
    if (key === state.selected) row.classList.add("selected");
    row.addEventListener("click", () => select(key));
    row.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); select(key); }
    });
    return row;
  }

  function renderMessages() {
    $("message-rows").replaceChildren(...state.messages.map(rowFor));
    $("empty").hidden = state.messages.length > 0;
    const shown = state.messages.length;
    const noun = state.total === 1 ? "message" : "messages";
    $("count").textContent = shown < state.total ? `${shown} of ${state.total} ${noun}` : `${state.total} ${noun}`;
    renderDetail();
  }

  function select(key) {
    state.selected = key;
    renderMessages();
  }

  // ---- detail ---------------------------------------------------------------------------------

  function detailRows(message) {
    const type = TEMPLATE_TYPES[message.templateType];
    const rows = [
      ["Phone", "phone", shownPhone(message.phone)],
      ["Sign", "signName", message.signName],
      ["Template", "templateCode", type ? `${message.templateCode} (${type})` : message.templateCode],
      ["Text", "content", message.content],
    ];
    for (const [name, value] of Object.entries(message.params || {})) {
      rows.push([`\${${name}}`, "param", value, name]);
    }
    rows.push(
      ["Status", "status", statusText(message)],
      ["Sent", "sentAt", formatTime(message.sentAt)],
      ["Delivered", "receivedAt", formatTime(message.receivedAt)],
      ["BizId", "bizId", message.bizId],
      ["OutId", "outId", message.outId || "—"],
      ["RequestId", "requestId", message.requestId || "—"],
    );
    return rows;
  }

  function renderDetail() {
    const message = state.messages.find((candidate) => messageKey(candidate) === state.selected);
    if (!message) {
      state.selected = null;
      $("detail").hidden = true;
      return;
    }
    const items = [];
    for (const [label, field, value, param] of detailRows(message)) {
      const dd = el("dd", { "data-testid": `detail-${field}`, text: String(value) });
      if (param !== undefined) dd.setAttribute("data-name", param);
      if (field === "content") dd.className = "text";
      items.push(el("dt", { text: label }), dd);
    }
    $("detail-fields").replaceChildren(...items);
    $("detail").hidden = false;
  }

  function closeDetail() {
    state.selected = null;
    renderMessages();
  }

  async function clearAll() {
    await requestJson(`${API}/sms/messages`, { method: "DELETE" });
    state.selected = null;
    await refreshMessages();
  }

  // ---- pushes (receipts and replies) ----------------------------------------------------------

  // A URL without its query (which may hold the receiver's token).
  function shownUrl(url) {
    try {
      const parsed = new URL(url);
      return parsed.origin + parsed.pathname + (parsed.search ? "?…" : "");
    } catch (ignored) {
      return String(url);
    }
  }

  function pushItemText(kind, item) {
    const phone = shownPhone(item.phone_number);
    if (kind === "SmsUp") return `${phone}: ${item.content} (${item.sign_name})`;
    return `${phone} ${item.err_code}`;
  }

  function lastAttemptText(push) {
    const last = push.attempts[push.attempts.length - 1];
    if (!last) return "";
    return last.error ? last.error : `HTTP ${last.status}${last.accepted ? "" : ` ${last.answer}`}`;
  }

  function pushRow(push) {
    const items = push.items.map((item) => el("div", { text: pushItemText(push.kind, item) }));
    const status = [el("span", { className: `push push-${push.status}`, text: push.status })];
    const why = lastAttemptText(push);
    if (why && push.status !== "accepted") status.push(el("small", { className: "why", text: why }));
    const cells = [
      el("td", { className: "time", "data-testid": "push-time", title: push.createdAt, text: formatTime(push.createdAt) }),
      el("td", { "data-testid": "push-kind", title: shownUrl(push.url), text: PUSH_KINDS[push.kind] || push.kind }),
      el("td", { className: "items", "data-testid": "push-items" }, items),
      el("td", { "data-testid": "push-status" }, status),
      el("td", { "data-testid": "push-attempts", text: String(push.attempts.length) }),
      el("td", { className: "time", "data-testid": "push-next", title: push.nextAttemptAt || "",
                 text: push.nextAttemptAt ? formatTime(push.nextAttemptAt) : "—" }),
    ];
    return el("tr", { "data-testid": "push-row", "data-id": String(push.id), "data-kind": push.kind,
                      "data-status": push.status }, cells);
  }

  function renderPushes() {
    $("push-rows").replaceChildren(...state.pushes.map(pushRow));
    $("push-empty").hidden = state.pushes.length > 0;
    const settings = state.pushSettings;
    if (!settings) return;
    const where = (url) => (url ? shownUrl(url) : "off");
    $("push-config").textContent = `Receipts → ${where(settings.reportUrl)} · replies → ${where(settings.upUrl)} · ` +
      `timeout ${settings.timeoutMs} ms · retries after ${settings.retryDelaysSeconds.join(", ")} s`;
  }

  async function refreshPushes() {
    const [text, settingsText] = await Promise.all([
      requestJson(`${API}/sms/pushes?limit=${PUSH_LIMIT}`), requestJson(`${API}/sms/push`)]);
    if (text === state.pushesText && settingsText === state.pushSettingsText) return;
    const listing = JSON.parse(text);
    state.pushesText = text;
    state.pushSettingsText = settingsText;
    state.pushes = listing.pushes;
    state.pushTotal = listing.total;
    state.pushSettings = JSON.parse(settingsText);
    renderPushes();
  }

  async function sendReply(event) {
    event.preventDefault();
    const reply = { phone: $("reply-phone").value.trim(), content: $("reply-content").value };
    const sign = $("reply-sign").value.trim();
    if (sign) reply.signName = sign;
    const result = $("reply-result");
    result.hidden = false;
    try {
      if (!state.pushSettings || !state.pushSettings.upUrl) await refreshPushes(); // it may have been set since
      if (!state.pushSettings.upUrl) throw new Error("no reply URL is set (PUT /_emulator/sms/push with upUrl).");
      const push = JSON.parse(await requestJson(`${API}/sms/replies`, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(reply) }));
      result.className = "hint";
      result.textContent = `Pushed as SmsUp #${push.id} (${push.items[0].sign_name}).`;
      $("reply-content").value = "";
      await refreshPushes();
    } catch (error) {
      result.className = "hint error-text";
      result.textContent = `Not pushed: ${error.message}`;
    }
  }

  // ---- chaos ----------------------------------------------------------------------------------

  function canonical(value) {
    if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
    if (value && typeof value === "object") {
      return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(",")}}`;
    }
    return JSON.stringify(value);
  }

  function isSwitchRule(rule, choice) {
    return rule.service === choice.rule.service && rule.action === choice.rule.action &&
      rule.probability === 1 && rule.count === null && canonical(rule.fault) === canonical(choice.rule.fault);
  }

  function plainRule(rule) {
    return { service: rule.service, action: rule.action, probability: rule.probability, count: rule.count,
             fault: rule.fault };
  }

  function describeRule(rule) {
    const fault = rule.fault;
    const what = fault.code || fault.status || (fault.ms ? `${fault.ms} ms` : "");
    return `${rule.service}/${rule.action} ${fault.type} ${what} (p=${rule.probability}, fired ${rule.fired})`;
  }

  function applyRules(rules) {
    state.rules = rules;
    for (const choice of SWITCHES) {
      $(`chaos-${choice.id}`).checked = rules.some((rule) => isSwitchRule(rule, choice));
    }
    const others = rules.filter((rule) => !SWITCHES.some((choice) => isSwitchRule(rule, choice)));
    const note = $("chaos-other");
    note.hidden = others.length === 0;
    note.textContent = others.length ? `Also set through the API: ${others.map(describeRule).join("; ")}` : "";
  }

  async function refreshChaos() {
    const edits = state.chaosEdits;
    const answer = JSON.parse(await requestJson(`${API}/chaos`));
    if (edits === state.chaosEdits && !state.chaosBusy) applyRules(answer.rules);
  }

  async function changeChaos(options) {
    state.chaosEdits += 1;
    state.chaosBusy = true;
    try {
      applyRules(JSON.parse(await requestJson(`${API}/chaos`, options)).rules);
    } finally {
      state.chaosBusy = false;
    }
  }

  function setSwitch(choice, on) {
    const kept = state.rules.filter((rule) => !isSwitchRule(rule, choice)).map(plainRule);
    const rule = Object.assign({ probability: 1, count: null }, choice.rule);
    // Latency first: the first other fault that fires ends the draw, so a later latency rule would not add up.
    const rules = !on ? kept : choice.rule.fault.type === "latency" ? [rule, ...kept] : [...kept, rule];
    return changeChaos({ method: "PUT", headers: { "Content-Type": "application/json" },
                         body: JSON.stringify({ rules }) });
  }

  function buildSwitches() {
    const nodes = SWITCHES.map((choice) => {
      const box = el("input", { type: "checkbox", id: `chaos-${choice.id}`, "data-testid": `chaos-${choice.id}` });
      box.addEventListener("change", () => {
        box.disabled = true;
        setSwitch(choice, box.checked).then(clearError, showError).finally(() => { box.disabled = false; });
      });
      const text = el("span", { text: choice.label }, [el("small", { text: choice.detail })]);
      return el("label", { className: "switch", for: `chaos-${choice.id}` }, [box, text]);
    });
    $("chaos-switches").replaceChildren(...nodes);
  }

  // ---- polling and wiring ---------------------------------------------------------------------

  function showError(error) {
    const box = $("error");
    box.textContent = `Cannot reach the emulator: ${error && error.message ? error.message : error}`;
    box.hidden = false;
  }

  function clearError() {
    $("error").hidden = true;
  }

  function setLive(on) {
    const live = $("live");
    live.textContent = on ? "live" : "offline";
    live.className = on ? "live on" : "live off";
  }

  async function poll() {
    try {
      await Promise.all([refreshMessages(), refreshChaos(), refreshPushes()]);
      setLive(true);
      clearError();
    } catch (error) {
      setLive(false);
      showError(error);
    } finally {
      setTimeout(poll, POLL_MS);
    }
  }

  function filtersChanged() {
    clearTimeout(state.filterTimer);
    state.filterTimer = setTimeout(() => refreshMessages().catch(showError), 150);
  }

  function start() {
    buildSwitches();
    for (const id of ["filter-phone", "filter-template"]) $(id).addEventListener("input", filtersChanged);
    $("filter-status").addEventListener("change", filtersChanged);
    $("show-phones").addEventListener("change", (event) => {
      state.showPhones = event.target.checked;
      renderMessages();
      renderPushes();
    });
    $("clear-all").addEventListener("click", () => clearAll().catch(showError));
    $("detail-close").addEventListener("click", closeDetail);
    $("reply-form").addEventListener("submit", sendReply);
    $("chaos-off").addEventListener("click", () => changeChaos({ method: "DELETE" }).catch(showError));
    document.addEventListener("keydown", (event) => { if (event.key === "Escape") closeDetail(); });
    poll();
  }

  start();
})();
