-- disconnect.lua: a client that disconnects in the middle of the body
-- (no QUIT) does not hurt filterd, which serves the next connection.
dofile(SRC .. "/common.lua")
T.main(function()
  for i = 1, 3 do
    local c = T.connect()
    T.hello(c)
    T.envelope(c, "GONE" .. i)
    T.headers(c, "cut short " .. i)
    T.body(c, string.rep("Some text that will not end.\r\n", 100), 512)
    mt.disconnect(c, false)
  end
  T.ok("three clients gone in the middle of the body")
  local c = T.ham("STILL1")
  local st = T.expect_accept(c, "next connection")
  T.check(st:match("^No, "), st)
  T.ok("the next connection is served")
  mt.disconnect(c)
end)
