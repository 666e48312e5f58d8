-- early.lua: refusals decided before DATA are given at RCPT. A client in
-- the access table (decided at HELO) and a badmailfrom sender (decided at
-- MAIL) pass HELO and MAIL and are refused at each RCPT; a badrcptto
-- recipient is refused alone. run.sh checks one log line per message.
dofile(SRC .. "/common.lua")

local function rcpt(c, addr)
  T.step("rcptto", mt.rcptto(c, addr))
  return mt.getreply(c)
end

local function mail(c, qid, from)
  mt.macro(c, SMFIC_MAIL, "i", qid)
  T.step("mailfrom", mt.mailfrom(c, from))
  return mt.getreply(c)
end

T.main(function()
  -- A refused client: HELO and MAIL continue, each RCPT is refused.
  local c = T.connect()
  T.check(not mt.test_option(c, SMFIP_NOCONNECT), "an access table: the connect event is taken")
  T.step("conninfo", mt.conninfo(c, "bad.test", "192.0.2.9"))
  T.step("helo", mt.helo(c, "bad.test"))
  T.check(mt.getreply(c) == SMFIR_CONTINUE, "HELO of a refused client: expected CONTINUE")
  T.check(mail(c, "EARLY1", "<sender@test.example>") == SMFIR_CONTINUE,
          "MAIL of a refused client: expected CONTINUE")
  T.ok("a refused client passes HELO and MAIL")
  T.check(rcpt(c, "<alice@test.example>") == SMFIR_REPLYCODE, "RCPT 1: expected a refusal")
  T.check(rcpt(c, "<bob@test.example>") == SMFIR_REPLYCODE, "RCPT 2: expected a refusal")
  T.ok("each RCPT of a refused client is refused")
  T.check(mail(c, "EARLY2", "<other@test.example>") == SMFIR_CONTINUE,
          "second MAIL: expected CONTINUE")
  T.check(rcpt(c, "<alice@test.example>") == SMFIR_REPLYCODE, "second message: expected a refusal")
  T.ok("and so is the next message's")
  mt.disconnect(c)

  -- A refused sender: MAIL continues, RCPT refused; then a good sender.
  c = T.connect()
  T.hello(c)
  T.check(mail(c, "EARLY3", "<spammer@bad.example>") == SMFIR_CONTINUE,
          "MAIL of a refused sender: expected CONTINUE")
  T.check(rcpt(c, "<alice@test.example>") == SMFIR_REPLYCODE, "RCPT: expected a refusal")
  T.ok("a refused sender is refused at RCPT, not at MAIL")
  T.check(mail(c, "EARLY4", "<sender@test.example>") == SMFIR_CONTINUE, "MAIL 2: CONTINUE")
  T.check(rcpt(c, "<nobody@test.example>") == SMFIR_REPLYCODE, "badrcptto: refused")
  T.check(rcpt(c, "<alice@test.example>") == SMFIR_CONTINUE, "other recipient: CONTINUE")
  T.headers(c, "early")
  T.body(c, "Hello.\r\n")
  T.expect_accept(c, "the good sender's message")
  T.ok("the next sender on the session is accepted; a bad recipient alone is refused")
  mt.disconnect(c)
end)
