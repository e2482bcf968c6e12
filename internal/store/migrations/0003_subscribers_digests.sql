CREATE TABLE subscribers (
    id         INTEGER PRIMARY KEY,
    email      TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    name       TEXT    NOT NULL DEFAULT '',
    time_zone  TEXT    NOT NULL DEFAULT '',
    bounces    INTEGER NOT NULL DEFAULT 0, -- consecutive permanent failures
    created_at TEXT    NOT NULL
);

CREATE TABLE subscriptions (
    subscriber_id   INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    topic_id        TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'active', 'unsubscribed', 'suspended')),
    created_at      TEXT    NOT NULL,
    confirmed_at    TEXT    NOT NULL DEFAULT '',
    changed_at      TEXT    NOT NULL,
    PRIMARY KEY (subscriber_id, topic_id)
) WITHOUT ROWID;
CREATE INDEX subscriptions_topic ON subscriptions (topic_id, status);

-- A digest covers the matches with from_seq < seq <= to_seq of its topic.
CREATE TABLE digests (
    id           INTEGER PRIMARY KEY,
    topic_id     TEXT    NOT NULL,
    from_seq     INTEGER NOT NULL,
    to_seq       INTEGER NOT NULL,
    period_start TEXT    NOT NULL,
    period_end   TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    item_count   INTEGER NOT NULL,
    subject      TEXT    NOT NULL DEFAULT '',
    html         TEXT    NOT NULL DEFAULT '',
    text         TEXT    NOT NULL DEFAULT '',
    UNIQUE (topic_id, from_seq)
);
CREATE INDEX digests_topic ON digests (topic_id, to_seq);

-- The outbox: one rendered message per digest and subscriber, written before
-- any SMTP traffic.
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    digest_id       INTEGER NOT NULL REFERENCES digests (id) ON DELETE CASCADE,
    subscriber_id   INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    email           TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT    NOT NULL,
    last_error      TEXT    NOT NULL DEFAULT '',
    message_id      TEXT    NOT NULL,
    message         BLOB    NOT NULL,
    created_at      TEXT    NOT NULL,
    sent_at         TEXT    NOT NULL DEFAULT '',
    UNIQUE (digest_id, subscriber_id)
);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);

-- Small persistent settings, e.g. the secret that signs web tokens.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
