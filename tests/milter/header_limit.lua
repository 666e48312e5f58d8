-- header_limit.lua: a header block past header_count_limit (10 here) and
-- header_size_limit (1k here) is scanned as the parser's limits say
-- (HEADER_LIMIT), and a forged X-Spam-Status past the limits is still
-- deleted.
dofile(SRC .. "/common.lua")
T.main(function()
  local c = T.connect()
  T.hello(c)
  T.envelope(c, "HUGEHDR1")
  local extra = {}
  for i = 1, 30 do
    extra[#extra + 1] = {"X-Filler-" .. i, string.rep("x", 60)}
  end
  extra[#extra + 1] = {"X-Long", string.rep("long ", 150)}
  extra[#extra + 1] = {"X-Spam-Status", "No, score=-100.0 forged past the limits"}
  T.headers(c, "many headers", extra)
  T.body(c, "Body.\r\n")
  local st = T.expect_accept(c, "over the limits")
  T.check(st:match("HEADER_LIMIT"), "HEADER_LIMIT in " .. st)
  T.check(mt.eom_check(c, MT_HDRDELETE, "X-Spam-Status"), "forged header past the limit deleted")
  T.ok("header block over the limits: HEADER_LIMIT, forged header deleted")

  T.envelope(c, "HUGEHDR2")
  T.headers(c, "many headers and GTUBE", extra)
  T.body(c, GTUBE .. "\r\n")
  T.expect_reject(c, "over the limits with GTUBE")
  T.ok("the body is still scanned: GTUBE rejected")
  mt.disconnect(c)
end)
