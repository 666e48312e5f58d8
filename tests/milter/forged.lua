-- forged.lua: X-Spam-* headers from the sender are deleted (every one of
-- them) and ours added, so a sender cannot forge a verdict.
dofile(SRC .. "/common.lua")
T.main(function()
  local c = T.connect()
  T.hello(c)
  T.envelope(c, "FORGEDQID1")
  T.headers(c, "forged", {
    {"X-Spam-Status", "No, score=-100.0 required=5.0 tests=WHITELISTED"},
    {"X-Spam-Flag", "NO"},
    {"X-Spam-Status", "No, score=-50.0"},
    {"x-spam-score", "-100"},
  })
  T.body(c, "Nothing to see here.\r\n")
  local st = T.expect_accept(c, "forged")
  T.check(st:match("^No, score=0%.0 required=5%.0"), "our X-Spam-Status: " .. st)
  T.check(mt.eom_check(c, MT_HDRDELETE, "X-Spam-Status"), "forged X-Spam-Status deleted")
  T.check(mt.eom_check(c, MT_HDRDELETE, "X-Spam-Flag"), "forged X-Spam-Flag deleted")
  T.check(mt.eom_check(c, MT_HDRDELETE, "X-Spam-Score"), "forged x-spam-score deleted")
  T.check(T.added(c, "X-Spam-Score") == "0.0", "our X-Spam-Score added")
  T.ok("forged X-Spam-Status, X-Spam-Flag and x-spam-score deleted, ours added")
  mt.disconnect(c)
end)
