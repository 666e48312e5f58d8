/*
 * texts: the default texts a new list gets in DIR/text/ (ezlist make).
 * Each starts with its Subject line, then an empty line, then the body.
 * Placeholders are listed in docs/ezlist.md. No untrusted input.
 */
#include "ezlist/texts.h"

#include <stddef.h>

static const struct list_default_text texts[] = {
    {"help", "Subject: Help for {list}\n\n"
             "This is the list manager of {list}.\n\n"
             "To subscribe, send a message to <{subscribe}>.\n"
             "To unsubscribe, send a message to <{unsubscribe}>.\n"
             "To reach the people who run the list, write to <{owner}>.\n"},
    {"sub-confirm", "Subject: Confirm your subscription to {list}\n\n"
                    "Someone, probably you, asked to subscribe <{address}> to {list}.\n\n"
                    "To confirm, reply to this message, or send an empty message to\n\n"
                    "    {confirm}\n\n"
                    "This request is valid for {days} days. If you did not ask for it,\n"
                    "ignore this message: nothing will happen.\n"},
    {"unsub-confirm", "Subject: Confirm your unsubscription from {list}\n\n"
                      "Someone, probably you, asked to remove <{address}> from {list}.\n\n"
                      "To confirm, reply to this message, or send an empty message to\n\n"
                      "    {confirm}\n\n"
                      "This request is valid for {days} days. If you did not ask for it,\n"
                      "ignore this message: you stay subscribed.\n"},
    {"welcome", "Subject: Welcome to {list}\n\n"
                "<{address}> is now subscribed to {list}.\n\n"
                "To write to the list, send your message to <{list}>.\n"
                "To leave it, send a message to <{unsubscribe}>.\n"},
    {"goodbye", "Subject: Goodbye from {list}\n\n"
                "<{address}> is no longer subscribed to {list}.\n"},
    {"sub-nop", "Subject: Already subscribed to {list}\n\n"
                "<{address}> is already subscribed to {list}. Nothing changed.\n"},
    {"unsub-nop", "Subject: Not subscribed to {list}\n\n"
                  "<{address}> is not subscribed to {list}. Nothing changed.\n"},
    {"confirm-bad", "Subject: Confirmation failed for {list}\n\n"
                    "This confirmation is not valid: it expired (after {days} days),\n"
                    "or the address was changed. Nothing was done.\n\n"
                    "To try again, send a message to <{subscribe}>\n"
                    "or <{unsubscribe}>.\n"},
    {"bounce-warn", "Subject: Mail from {list} to you bounced\n\n"
                    "Messages from {list} to <{address}> have bounced.\n"
                    "If this goes on, a test message will be sent, and if that\n"
                    "bounces too, the address will be removed from the list.\n"
                    "Nothing needs doing if your mail works again.\n"},
    {"bounce-probe", "Subject: Are you still there? ({list})\n\n"
                     "Messages from {list} to <{address}> have bounced. This is a\n"
                     "test: if it bounces too, the address will be removed.\n"},
    {"bounce-removed", "Subject: {address} was removed from {list}\n\n"
                       "Mail from {list} to <{address}> bounced, and so did a test\n"
                       "message. The address was removed from the list.\n"},
    {"footer", ""},
};

const struct list_default_text *
texts_defaults(size_t *n_r)
{
    *n_r = sizeof texts / sizeof texts[0];
    return texts;
}
