module github.com/sselimit/sselimit/core

go 1.25.0
