/*
 * test_received: Received fields of each common MTA read as SpamAssassin
 * reads them (the expected parts are what SpamAssassin 4.0.1 reported for
 * the same lines): Postfix, Sendmail (with ident, authenticated, an
 * address HELO), Exim (helo=, ident=, no reverse name), qmail (HELO, bare
 * address, envelope-sender), Microsoft (SMTPSVC, Exchange), webmail over
 * HTTP, fetchers, and the lines that record no hand-over; private ranges.
 */
#include "mail/received.h"

#include <stdio.h>

#include "../t.h"

static const char *
parse(const char *v)
{
    static char out[1024];
    struct received_relay r;
    enum received_kind k = received_parse(slice_from_cstr(v), &r);
    if (k != RECEIVED_RELAY)
        return k == RECEIVED_FETCH ? "fetch" : "none";
    snprintf(out, sizeof(out),
             "ip=%s rdns=%s helo=%s by=%s ident=%s envfrom=%s id=%s auth=%s", r.ip,
             r.rdns, r.helo, r.by, r.ident, r.envfrom, r.id, r.auth);
    return out;
}

static void
test_forms(void)
{
    static const struct {
        const char *v, *want;
    } cases[] = {
        /* Postfix */
        {"from localhost (localhost [127.0.0.1])\n\tby phobos.example.com (Postfix) with "
         "ESMTP "
         "id D03E543C36\n\tfor <u@localhost>; Thu, 22 Aug 2002 07:36:16 -0400 (EDT)",
         "ip=127.0.0.1 rdns=localhost helo=localhost by=phobos.example.com ident= "
         "envfrom= "
         "id=D03E543C36 auth="},
        {"from plato.example (unknown [65.170.226.173]) by xent.com (Postfix) with ESMTP "
         "id "
         "E80D0294099 for <fork@xent.com>; Wed, 21 Aug 2002 01:08:33 -0700 (PDT)",
         "ip=65.170.226.173 rdns= helo=plato.example by=xent.com ident= envfrom= "
         "id=E80D0294099 "
         "auth="},
        /* Sendmail: ident@rdns, an address HELO, authenticated */
        {"from lugh (root@localhost [127.0.0.1]) by lugh.tuatha.org (8.9.3/8.9.3) with "
         "ESMTP "
         "id LAA30050; Thu, 25 Jul 2002 11:00:04 +0100",
         "ip=127.0.0.1 rdns=localhost helo=lugh by=lugh.tuatha.org ident=root envfrom= "
         "id=LAA30050 auth="},
        {"from [192.168.0.4] (chello.example.at\n    [62.178.142.216]) (authenticated "
         "bits=0) "
         "by mail.uptime.at (8.12.5/8.12.5)\n    with ESMTP id g7MEI7Vp022036 for "
         "<x@y.net>",
         "ip=62.178.142.216 rdns=chello.example.at helo=!192.168.0.4! by=mail.uptime.at "
         "ident= "
         "envfrom= id=g7MEI7Vp022036 auth=Sendmail"},
        {"from xent.com ([64.161.22.236]) by dogma.slashnull.org (8.11.6/8.11.6) with "
         "ESMTP "
         "id g7N1LTZ03723",
         "ip=64.161.22.236 rdns= helo=xent.com by=dogma.slashnull.org ident= envfrom= "
         "id=g7N1LTZ03723 auth="},
        /* Exim */
        {"from usw-sf-list1-b.sourceforge.net ([10.3.1.13]\n    "
         "helo=usw-sf-list1.sourceforge.net) by usw-sf-list2.sourceforge.net with\n    "
         "esmtp "
         "(Exim 3.31-VA-mm2 #1 (Debian)) id 17hsof-00042r-00; Thu,",
         "ip=10.3.1.13 rdns=usw-sf-list1-b.sourceforge.net "
         "helo=usw-sf-list1.sourceforge.net "
         "by=usw-sf-list2.sourceforge.net ident= envfrom= id=17hsof-00042r-00 auth="},
        {"from fepa.biop.ox.ac.uk ([163.1.16.72] ident=baaden) by frontend2.ox.ac.uk "
         "with esmtp "
         "(Exim 3.32 #1) id 17c569-0000Jv-00",
         "ip=163.1.16.72 rdns=fepa.biop.ox.ac.uk helo=fepa.biop.ox.ac.uk "
         "by=frontend2.ox.ac.uk "
         "ident=baaden envfrom= id=17c569-0000Jv-00 auth="},
        /* qmail */
        {"from unknown (HELO carbon) (194.73.73.92) by\n    mta1.grp.scd.yahoo.com with "
         "SMTP; "
         "22 Aug 2002 16:24:15 -0000",
         "ip=194.73.73.92 rdns= helo=carbon by=mta1.grp.scd.yahoo.com ident= envfrom= "
         "id= auth="},
        {"from localhost (sendmail-bs@127.0.0.1) by localhost with SMTP; 22 Aug 2002",
         "ip=127.0.0.1 rdns=localhost helo=localhost by=localhost ident=sendmail-bs "
         "envfrom= id= "
         "auth="},
        {"from unknown (HELO there) ([216.212.1.121]) (envelope-sender\n    "
         "<signa@birch.net>) "
         "by mailserver.birch.net (qmail-ldap-1.03) with SMTP for\n    <i@amiga.com>",
         "ip=216.212.1.121 rdns= helo=there by=mailserver.birch.net ident= "
         "envfrom=signa@birch.net id= auth="},
        /* Microsoft */
        {"from RSHAVELL ([209.151.242.53]) by plato.einstein with Microsoft "
         "SMTPSVC(5.0.2195.3779); Wed, 21 Aug 2002",
         "ip=209.151.242.53 rdns= helo=RSHAVELL by=plato.einstein ident= envfrom= id= "
         "auth="},
        {"from IENAVSERVER ([10.1.1.50]) by exchsrv.cr2 with SMTP (Microsoft Exchange "
         "Internet "
         "Mail Service Version 5.5.2653.13) id 3W35TGCR; Thu, 25 Jul 2002",
         "ip=10.1.1.50 rdns=IENAVSERVER helo=IENAVSERVER by=exchsrv.cr2 ident= envfrom= "
         "id=3W35TGCR auth="},
        /* no HELO; webmail; a relay with its address twice */
        {"from [66.218.67.201] by n17.grp.scd.yahoo.com with NNFMP; 22 Aug 2002",
         "ip=66.218.67.201 rdns= helo= by=n17.grp.scd.yahoo.com ident= envfrom= id= "
         "auth="},
        {"from 216.30.74.2 by lw15fd.law15.hotmail.msn.com with HTTP; Thu, 22 Aug 2002",
         "ip=216.30.74.2 rdns= helo= by=lw15fd.law15.hotmail.msn.com ident= envfrom= id= "
         "auth=HTTP"},
        {"from 64.0.57.142 [202.63.165.34] by bettyjagessar.com (SMTPD32-7.06 EVAL) id "
         "A42A7FC01F2; Fri, 02 Aug 2002",
         "ip=202.63.165.34 rdns= helo=64.0.57.142 by=bettyjagessar.com ident= envfrom= "
         "id=A42A7FC01F2 auth="},
        {"from a.example (b.example [IPv6:2001:db8::1]) by mx.example (Postfix) with "
         "ESMTPSA id "
         "X1Y",
         "ip=2001:db8::1 rdns=b.example helo=a.example by=mx.example ident= envfrom= "
         "id=X1Y "
         "auth=ESMTPSA"},
        {"from mail.Flashmail.com (202.9.154.217 [202.9.154.217]) by marvin.example with "
         "SMTP "
         "(Microsoft Exchange Internet Mail Service Version 5.5.2656.59) id RL0XLBTW",
         "ip=202.9.154.217 rdns=202.9.154.217 helo=mail.Flashmail.com by=marvin.example "
         "ident= "
         "envfrom= id=RL0XLBTW auth="},
        {"from (127.0.0.1 [127.0.0.1]) by MailEnable Inbound Mail Agent with ESMTP; Mon",
         "ip=127.0.0.1 rdns= helo=127.0.0.1 by=MailEnable ident= envfrom= id= auth="},
        /* fetchers; no hand-over */
        {"from phobos [127.0.0.1]\n\tby localhost with IMAP (fetchmail-5.9.0)", "fetch"},
        {"(qmail 12796 invoked from network); 22 Aug 2002 16:24:13 -0000", "none"},
        {"by bilbo.example (Postfix, from userid 501) id 43DE85B323", "none"},
        {"from mail pickup service by hotmail.com with Microsoft SMTPSVC; Thu", "none"},
        {"from", "none"},
        {"", "none"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        CHECK_STR(parse(cases[i].v), cases[i].want);
}

static void
test_private(void)
{
    static const struct {
        const char *ip;
        bool want;
    } cases[] = {
        {"10.1.2.3", true},        {"127.0.0.1", true},    {"172.16.0.1", true},
        {"172.31.255.255", true},  {"172.32.0.1", false},  {"192.168.1.1", true},
        {"169.254.1.1", true},     {"100.64.0.1", true},   {"100.128.0.1", false},
        {"8.8.8.8", false},        {"::1", true},          {"fd00::1", true},
        {"fe80::1", true},         {"2001:db8::1", false}, {"::ffff:10.0.0.1", true},
        {"::ffff:8.8.8.8", false}, {"not-an-ip", false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        CHECK_INT(received_ip_private(cases[i].ip), cases[i].want);
}

int
main(void)
{
    T_RUN(test_forms);
    T_RUN(test_private);
    return t_done();
}
