module periscope.local/bench/stream-clients

go 1.23
