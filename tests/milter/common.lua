-- common.lua: helpers for the miltertest scripts of tests/milter.
-- miltertest defines MILTER_SOCK, SRC, TMP and FILTERD_PID (run.sh -D).
-- miltertest exits 1 without a word on a Lua error, so T.main catches and
-- prints it.

T = {}

GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"

local n = 0

function T.ok(desc)
  n = n + 1
  mt.echo("ok " .. n .. " - " .. desc)
end

function T.check(cond, desc)
  if not cond then error(desc, 2) end
end

-- A step that returns nil on success and an error text otherwise.
function T.step(name, r)
  if r ~= nil then error(name .. ": " .. tostring(r), 2) end
end

function T.connect(tries)
  local c = mt.connect(MILTER_SOCK, tries or 40, 0.25)
  if c == nil then error("cannot connect to " .. MILTER_SOCK) end
  return c
end

-- The client: the connect event, or, when filterd left it out
-- (SMFIP_NOCONNECT: no connection check is configured), the macros it
-- asked for instead, sent with HELO. Returns whether the connect event
-- was sent.
function T.client(c, name, addr)
  if mt.test_option(c, SMFIP_NOCONNECT) then
    mt.macro(c, SMFIC_HELO, "{client_addr}", addr, "{client_name}", name)
    return false
  end
  T.step("conninfo", mt.conninfo(c, name, addr))
  return true
end

-- Connection, HELO (no reply: filterd negotiates SMFIP_NR_HELO).
function T.hello(c)
  T.check(mt.test_option(c, SMFIP_NR_HELO), "no reply to HELO is negotiated")
  T.client(c, "client.test", "127.0.0.1")
  T.step("helo", mt.helo(c, "client.test"))
  T.check(mt.getreply(c) == SMFIR_CONTINUE, "HELO: expected CONTINUE")
end

-- MAIL and RCPT for one message, with the queue id qid.
function T.envelope(c, qid)
  mt.macro(c, SMFIC_MAIL, "i", qid)
  T.step("mailfrom", mt.mailfrom(c, "<sender@test.example>"))
  T.check(mt.getreply(c) == SMFIR_CONTINUE, "MAIL: expected CONTINUE")
  T.step("rcptto", mt.rcptto(c, "<alice@test.example>"))
  T.check(mt.getreply(c) == SMFIR_CONTINUE, "RCPT: expected CONTINUE")
end

-- The usual headers of a well-formed message, then extra ones.
function T.headers(c, subject, extra)
  T.step("header", mt.header(c, "From", "Sender <sender@test.example>"))
  T.step("header", mt.header(c, "To", "alice@test.example"))
  T.step("header", mt.header(c, "Date", "Sat, 21 Nov 2026 10:00:00 +0000"))
  T.step("header", mt.header(c, "Message-ID", "<" .. subject:gsub("%W", "") .. "@test.example>"))
  T.step("header", mt.header(c, "Subject", subject))
  for _, h in ipairs(extra or {}) do
    T.step("header " .. h[1], mt.header(c, h[1], h[2]))
  end
end

-- The body in chunks of size bytes (all at once when size is nil).
function T.body(c, text, size)
  if size == nil then
    T.step("body", mt.bodystring(c, text))
    return
  end
  for i = 1, #text, size do
    T.step("body", mt.bodystring(c, string.sub(text, i, i + size - 1)))
  end
end

-- End of message: returns the reply code.
function T.eom(c)
  T.step("eom", mt.eom(c))
  return mt.getreply(c)
end

-- The value of the first header name added at eom, without the leading
-- space that SMFIP_HDR_LEADSPC makes part of it; nil if none.
function T.added(c, name)
  local v = mt.getheader(c, name, 0)
  if v == nil then return nil end
  return (v:gsub("^ ", ""))
end

-- A whole ham message on a new connection, up to its body (in chunks of
-- chunk bytes); returns the connection.
function T.ham(qid, body, chunk, subject)
  local c = T.connect()
  T.hello(c)
  T.envelope(c, qid)
  T.headers(c, subject or ("hello " .. qid))
  T.body(c, body or "Hello Alice,\r\nsee you tomorrow.\r\n", chunk)
  return c
end

function T.expect_accept(c, what)
  local r = T.eom(c)
  T.check(r == SMFIR_CONTINUE or r == SMFIR_ACCEPT, what .. ": expected accept, got " .. tostring(r))
  local st = T.added(c, "X-Spam-Status")
  T.check(st ~= nil, what .. ": no X-Spam-Status added")
  return st
end

function T.expect_reject(c, what)
  local r = T.eom(c)
  T.check(r == SMFIR_REPLYCODE, what .. ": expected a reply code, got " .. tostring(r))
  T.check(mt.eom_check(c, MT_SMTPREPLY, "550", "5.7.1", "Message rejected as spam"),
          what .. ": expected 550 5.7.1 Message rejected as spam")
  T.check(T.added(c, "X-Spam-Status") == nil, what .. ": headers added to a rejected message")
end

-- Run a shell command; error when it fails.
function T.sh(cmd)
  local ok = os.execute(cmd)
  if not ok then error("command failed: " .. cmd, 2) end
end

-- Wait until the filterd log has count lines with pattern (10 s).
function T.wait_log(pattern, count)
  T.sh("sh " .. SRC .. "/wait-log.sh " .. TMP .. "/log '" .. pattern .. "' " .. (count or 1))
end

function T.main(f)
  local ok, e = pcall(f)
  if not ok then
    mt.echo("FAIL: " .. tostring(e))
    os.exit(1)
  end
end
