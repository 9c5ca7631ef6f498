package trro

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// devicesPage is a GetDevices answer of n devices, numbers sent as strings
// on every other item, as the API does at times.
func devicesPage(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"Response":{"Devices":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		q := ""
		if i%2 == 1 {
			q = `"`
		}
		fmt.Fprintf(&b, `{"DeviceId":"dev-%06d","DeviceName":"Excavator %d","LicenseCount":%s1%s,"RemainDay":%s30%s,"ExpireTime":%s1800000000%s,"Duration":%s86400%s,"LicenseIds":["lic-%06d"],"MonthlyRemainTime":%s600%s,"LimitedTime":%s6000%s}`,
			i, i, q, q, q, q, q, q, q, q, i, q, q, q, q)
	}
	fmt.Fprintf(&b, `],"TotalCount":%d,"RequestId":"req-1"}}`, n)
	return []byte(b.String())
}

// BenchmarkDecodeDevices is one page of 100 devices through decode,
// against plain encoding/json into a struct without leniency (the floor).
func BenchmarkDecodeDevices(b *testing.B) {
	body := devicesPage(100)
	b.Run("envelope", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decode[getDevicesResponse]("GetDevices", body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("plain", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			var out struct {
				Response struct {
					Devices []struct {
						DeviceId, DeviceName                          string
						LicenseCount, RemainDay, ExpireTime, Duration json.Number
						LicenseIds                                    []string
						MonthlyRemainTime, LimitedTime                json.Number
					}
					TotalCount int64
					RequestId  string
				}
			}
			if err := json.Unmarshal(body, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
}
