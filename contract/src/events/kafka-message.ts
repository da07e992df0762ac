/**
 * A Kafka header on the messages of a proxy's first batch after its shipper started: the
 * shipper before it may have delivered some of them without committing its spool cursor (it
 * was killed mid-send), so they can be in the topic twice, at different offsets. The ingest
 * drops a marked message whose request id is already stored or earlier in its batch, so the
 * rollups count each call once.
 */
export const RESENT_HEADER = 'periscope-resent';
