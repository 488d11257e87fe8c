"""Exactly-once delivery: every update Telegram hands over is answered once, across restarts.

An update goes through four steps. Receive (receiving.py): it is kept in the store's inbox as it
arrived, before Telegram is told it was received. Claim (claims.py): before anything is sent for
it, its id is committed as taken, and an update taken before is dropped. Save: a question that
adds to its conversation commits the conversation and the claim in one transaction. Inbox: at
start-up, what was received and never claimed is answered first. The store's interface is in
store.py, its one implementation, a SQLite file, in sqlite.py (the file opened by
sqlite_file.py).

Why a store of the bot's own rather than python-telegram-bot's BasePersistence: PTB flushes
persistence on a timer (`update_interval`), all changed chats at once, from the event loop, and
offers no hook per update. Measured on this project (issue 11), that flush was 18% of the bot's
CPU at 200 chats and stalled every chat for up to 41 s at 1,500; and without a per-update hook,
an update's conversation and "this update was answered" cannot be written together, which is
what makes a re-delivered update answered once across restarts. So each handler writes its own
chat's row when it answers, in one transaction with the update id, off the event loop.

The order is commit, then send. Before anything is sent for an update, its id is committed as
claimed (and the update dropped if it was claimed before): a handler that changes a
conversation commits the chat's new row and the claim in one transaction (`save` with
`claim`) before its reply goes out; every other handler claims first (`claim_first`). After a
SIGKILL at any moment, then, every conversation whose answer was sent is in the store and no
update is answered twice; the price is that a kill between the commit and the send loses that
one reply (Telegram re-delivers the update, and the store says it was taken). Send, then commit
would instead answer such an update twice and lose its conversation. A conversation is never
written without its update's claim, nor the claim without it: a re-delivered question cannot
extend the conversation a second time. Which bot message answered what is written just after
the send: a kill in between costs only the follow-up link of that one message.

Before that, an update is kept as it arrived (`receive`), before Telegram is told it was
received: polling confirms a batch with its next getUpdates, so the batch is written first; the
webhook writes the update before it answers 200. Claiming it deletes that copy. At start-up,
every update kept and never claimed (`unstarted`) is answered first: what a killed bot had taken
from Telegram but not yet begun is answered after the restart, not lost.

The interface is async and small (point reads by key, writes durable once awaited) so that a
server database can stand in for SQLite when several replicas serve one bot behind a webhook
load balancer: `claim` (alone or with `save`) is then an INSERT of the update id that only one
replica can win.
"""
