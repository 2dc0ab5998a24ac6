"""Follow-up reminders: the beat sweep, the outbox rows, delivery channels and calendar feeds.

Flow (shared/architecture.md "The reminder pipeline"): `sweep_reminders` (beat, every 15 min)
→ services.sweep() inserts Reminder rows with ON CONFLICT DO NOTHING on the uniqueness key and,
on commit, enqueues `deliver_reminders` with batches of ids → services.deliver_reminder() locks
one row (SELECT … FOR UPDATE SKIP LOCKED), sends through its channel and marks it sent in the
same transaction. A worker killed mid-send rolls the transaction back, so the redelivered task
(acks_late + reject_on_worker_lost) finds the row still pending and sends it once.
"""
