-- gtube.lua: a message with the GTUBE string is rejected at end of message
-- with 550 5.7.1 and the configured text; nothing is added to it.
dofile(SRC .. "/common.lua")
T.main(function()
  local c = T.connect()
  T.hello(c)
  T.envelope(c, "GTUBEQID1")
  T.headers(c, "test")
  T.body(c, "This is spam.\r\n" .. GTUBE .. "\r\n")
  T.expect_reject(c, "GTUBE")
  T.ok("GTUBE rejected at end of message with 550 5.7.1 Message rejected as spam")
  mt.disconnect(c)
end)
