module github.com/trro-exporter/trro_exporter

go 1.26.0

toolchain go1.27.3

require (
	github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common v1.3.212
	golang.org/x/time v0.16.0
)
