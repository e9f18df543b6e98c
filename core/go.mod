module github.com/sselimit/sselimit/core

go 1.26
