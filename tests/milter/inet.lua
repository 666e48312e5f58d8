-- inet.lua: filterd on a TCP socket. There it asks for every step and
-- answers each (no SMFIP_NO* or SMFIP_NR_* flag), so that the MTA never
-- sends twice in a row without a reply and never waits for a delayed ACK;
-- a ham is accepted with its headers and GTUBE rejected, on one connection.
dofile(SRC .. "/common.lua")

-- Every step of one message, each answered with CONTINUE.
local function message(c, qid, body)
  mt.macro(c, SMFIC_MAIL, "i", qid)
  T.step("mailfrom", mt.mailfrom(c, "<sender@test.example>"))
  T.check(mt.getreply(c) == SMFIR_CONTINUE, "MAIL: expected CONTINUE")
  T.step("rcptto", mt.rcptto(c, "<alice@test.example>"))
  T.check(mt.getreply(c) == SMFIR_CONTINUE, "RCPT: expected CONTINUE")
  T.step("data", mt.data(c))
  T.check(mt.getreply(c) == SMFIR_CONTINUE, "DATA: expected CONTINUE")
  T.headers(c, "over tcp " .. qid)
  T.check(mt.getreply(c) == SMFIR_CONTINUE, "header: expected CONTINUE")
  T.step("eoh", mt.eoh(c))
  T.check(mt.getreply(c) == SMFIR_CONTINUE, "EOH: expected CONTINUE")
  T.body(c, body)
  T.check(mt.getreply(c) == SMFIR_CONTINUE, "body: expected CONTINUE")
end

T.main(function()
  local c = T.connect()
  for _, o in ipairs({SMFIP_NR_CONN, SMFIP_NR_HELO, SMFIP_NR_HDR, SMFIP_NR_BODY,
                      SMFIP_NODATA, SMFIP_NOEOH}) do
    T.check(not mt.test_option(c, o), "no step left out or unanswered on TCP: " .. o)
  end
  T.ok("on TCP every step is sent and answered")
  if T.client(c, "client.test", "127.0.0.1") then
    T.check(mt.getreply(c) == SMFIR_CONTINUE, "connect: expected CONTINUE")
  end
  T.step("helo", mt.helo(c, "client.test"))
  T.check(mt.getreply(c) == SMFIR_CONTINUE, "HELO: expected CONTINUE")
  message(c, "INETQID1", "Hello Alice,\r\nsee you tomorrow.\r\n")
  local st = T.expect_accept(c, "ham over TCP")
  T.check(st:match("^No, "), st)
  T.ok("ham over TCP: accepted with X-Spam-Status: No")
  message(c, "INETQID2", GTUBE .. "\r\n")
  T.expect_reject(c, "GTUBE over TCP")
  T.ok("GTUBE over TCP, same connection: 550 5.7.1")
  mt.disconnect(c)
end)
