-- sigterm.lua: SIGTERM lets the message in flight finish with its verdict;
-- meanwhile a new session gets a tempfail; then filterd exits 0 (run.sh
-- checks the exit).
dofile(SRC .. "/common.lua")
T.main(function()
  local c = T.connect()
  T.hello(c)
  T.envelope(c, "INFLIGHT1")
  T.headers(c, "in flight")
  T.body(c, "The first half of the body,\r\n")
  T.sh("kill -TERM " .. FILTERD_PID)
  T.wait_log("waiting for 1 message(s) in flight")
  T.ok("SIGTERM with a message in flight: filterd waits for it")

  -- HELO gets no reply (SMFIP_NR_HELO): the tempfail comes at MAIL.
  local late = T.connect(1)
  T.client(late, "late.test", "127.0.0.1")
  T.step("helo", mt.helo(late, "late.test"))
  T.step("mailfrom", mt.mailfrom(late, "<sender@test.example>"))
  T.check(mt.getreply(late) == SMFIR_REPLYCODE, "MAIL: expected a 451 reply")
  mt.disconnect(late)
  T.ok("a new session meanwhile gets a tempfail (at MAIL: HELO has no reply)")

  T.body(c, "and the second half.\r\n")
  local st = T.expect_accept(c, "message in flight")
  T.check(st:match("^No, "), st)
  T.ok("the message in flight got its verdict")
  mt.disconnect(c)
end)
