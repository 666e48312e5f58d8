-- chunks.lua: the body in many chunks gives the same verdict as in one
-- (here spool_threshold is 0, so every message goes through the spool
-- file).
dofile(SRC .. "/common.lua")
T.main(function()
  local text = ""
  for i = 1, 120 do
    text = text .. "Line " .. i .. " of a plain message, nothing to see.\r\n"
  end
  local c = T.ham("WHOLE1", text, nil, "chunks")
  local whole = T.expect_accept(c, "one chunk")
  mt.disconnect(c)
  for _, size in ipairs({1, 7, 1000}) do
    c = T.ham("CHUNKS" .. size, text, size, "chunks")
    local st = T.expect_accept(c, "chunks of " .. size)
    T.check(st == whole, "chunks of " .. size .. ": " .. st .. " vs " .. whole)
    mt.disconnect(c)
  end
  T.ok("a body in chunks of 1, 7 and 1000 bytes: same X-Spam-Status as one chunk")
  for _, size in ipairs({1, 5, 33}) do
    c = T.connect()
    T.hello(c)
    T.envelope(c, "GTUBECHUNKS" .. size)
    T.headers(c, "gtube in chunks")
    T.body(c, "spam spam\r\n" .. GTUBE .. "\r\nmore\r\n", size)
    T.expect_reject(c, "GTUBE in chunks of " .. size)
    mt.disconnect(c)
  end
  T.ok("GTUBE in chunks of 1, 5 and 33 bytes: rejected as in one chunk")
end)
