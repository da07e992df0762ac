-- Request ids of events that reached the Kafka ingest marked as resent (a restarted or failed
-- shipper sends a batch again that the broker may already hold). A send that stalled can reach
-- the broker after its marked copy, unmarked and later in the partition; the member that reads
-- it must know the id was resent, even when it is not the member that read the copy (a restart
-- or a rebalance came between). Every member writes the ids here before it commits the batch,
-- and reads them when it joins the group (ingest/src/kafka/event-consumer.ts). Rare rows: a
-- shipper restart marks one batch. Kept a day: an ingest down longer than that stores such an
-- original twice.
CREATE TABLE IF NOT EXISTS {private_database:Identifier}.resent_events
(
    request_id String,
    seen_at    DateTime('UTC') DEFAULT now()
)
ENGINE = MergeTree
ORDER BY seen_at
TTL seen_at + INTERVAL 1 DAY;
