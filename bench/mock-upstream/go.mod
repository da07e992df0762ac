module periscope.local/bench/mock-upstream

go 1.23
