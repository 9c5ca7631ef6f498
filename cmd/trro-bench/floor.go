package main

import (
	"encoding/json"
	"fmt"
)

// Plain mirrors of the API answers: what decoding costs with
// encoding/json and no leniency at all. The floor the exporter is held to.
type floorProject struct {
	ProjectId, ProjectName, ProjectDescription, PolicyMode, ModifyTime string
}

type floorBucket struct {
	ActiveFieldDeviceNum, ActiveRemoteDeviceNum, SessionNum, TotalDuration int64
	StartTime, EndTime, NotBadSessionRatio                                 int64
}

type floorLicense struct {
	Count, Status        int64
	ExpireTime, Duration string
	RemainDay            int64
	LicenseIds           []string
}

type floorDevice struct {
	DeviceId, DeviceName           string
	LicenseCount, RemainDay        int64
	ExpireTime, Duration           string
	LicenseIds                     []string
	MonthlyRemainTime, LimitedTime int64
}

type floorDeviceInfo struct {
	DeviceId, DeviceName, DeviceStatus, DeviceType, ModifyTime, LastReportTime, ProjectId string
}

type floorRecent struct {
	SessionId, RemoteDeviceId, FieldDeviceId, Resolution string
	StartTime, LatestUpdateTime                          int64
}

type floorDetail struct {
	DeviceType, DeviceId, ProjectId, SessionId                        string
	StartTime, EndTime, MultiMode                                     int64
	TimeOffset                                                        []int64
	VideoLatency, NetworkLatency, ControlLatency, Lost, Fps, Rate     []*float64
	CpuUsed, MemUsed, Lag100Duration, Lag150Duration, BitRateEstimate []*float64
	EncodeCost, DecodeCost, CaptureCost, RenderCost                   []*float64
	MultiNet                                                          []struct {
		NetId                       int64
		NetIp                       string
		Rtt, Lost, SendBps, RecvBps []*float64
	}
}

// floorAnswers make the plain struct each action's answer decodes into.
var floorAnswers = map[string]func() any{
	"DescribeProjectList": func() any {
		return &struct {
			Response struct {
				Projects   []floorProject
				Total, Num int64
				RequestId  string
			}
		}{}
	},
	"DescribeSessionStatisticsByInterval": func() any {
		return &struct {
			Response struct {
				SessionStatistics []floorBucket
				RequestId         string
			}
		}{}
	},
	"GetLicenses": func() any {
		return &struct {
			Response struct {
				Licenses   []floorLicense
				TotalCount int64
				RequestId  string
			}
		}{}
	},
	"GetDevices": func() any {
		return &struct {
			Response struct {
				Devices    []floorDevice
				TotalCount int64
				RequestId  string
			}
		}{}
	},
	"DescribeDeviceList": func() any {
		return &struct {
			Response struct {
				Devices    []floorDeviceInfo
				Total, Num int64
				RequestId  string
			}
		}{}
	},
	"DescribeRecentSessionList": func() any {
		return &struct {
			Response struct {
				RecentSessionList []floorRecent
				Total, Num        int64
				RequestId         string
			}
		}{}
	},
	"GetLicenseStat": func() any {
		return &struct {
			Response struct {
				Valid, Bound, UnBound, Expire, MonthlyExpire int64
				RequestId                                    string
			}
		}{}
	},
	"DescribeDeviceSessionDetails": func() any {
		return &struct {
			Response struct {
				Details   []floorDetail
				RequestId string
			}
		}{}
	},
	"GetTotalDuration": func() any {
		return &struct {
			Response struct {
				Voice, SD, HD, FHD, TwoK, FourK, Online, MultiSD, MultiHD, MultiFHD, MultiTwoK, MultiFourK, MultiOnline, DeductDuration int64
				RequestId                                                                                                               string
			}
		}{}
	},
}

func floorDecode(action string, body []byte) error {
	answer, ok := floorAnswers[action]
	if !ok {
		return fmt.Errorf("no floor type for %s", action)
	}
	return json.Unmarshal(body, answer())
}
