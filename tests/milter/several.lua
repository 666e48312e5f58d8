-- several.lua: several messages on one connection, each with its own
-- verdict: state is reset at each end of message.
dofile(SRC .. "/common.lua")
T.main(function()
  local c = T.connect()
  T.hello(c)
  T.envelope(c, "MULTI1")
  T.headers(c, "first")
  T.body(c, "First message.\r\n")
  local st = T.expect_accept(c, "message 1")
  T.check(st:match("^No, "), "message 1: " .. st)
  T.ok("message 1 (ham) accepted")

  T.envelope(c, "MULTI2")
  T.headers(c, "second")
  T.body(c, GTUBE .. "\r\n")
  T.expect_reject(c, "message 2")
  T.ok("message 2 (GTUBE) rejected on the same connection")

  T.envelope(c, "MULTI3")
  T.headers(c, "third", {{"X-Spam-Status", "Yes, forged"}})
  T.body(c, "Third message.\r\n")
  st = T.expect_accept(c, "message 3")
  T.check(st:match("^No, score=0%.0 "), "message 3 carries nothing of message 2: " .. st)
  T.check(mt.eom_check(c, MT_HDRDELETE, "X-Spam-Status"), "message 3: forged header deleted")
  T.ok("message 3 accepted, forged header deleted")

  -- No headers from the script (miltertest may make some up).
  T.envelope(c, "MULTI4")
  T.body(c, "A body with no header.\r\n")
  st = T.expect_accept(c, "message 4")
  T.ok("message 4 (no header of ours) scanned: " .. st)
  mt.disconnect(c)
end)
