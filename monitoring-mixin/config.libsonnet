// The mixin's parameters: the one place the alert thresholds, the
// dashboards' colour steps and the exporter's job selector are kept.
// Override any of them with `(import 'mixin.libsonnet') + { _config+:: { ... } }`.
{
  _config+:: {
    // Selects the exporter's own scrape job, for the alerts on `up`.
    jobSelector: 'job="trro"',

    // Licenses and device authorizations: days before expiry.
    licenseExpiryWarningDays: 30,
    licenseExpiryCriticalDays: 7,
    unboundLicenseExpiryDays: 30,

    // Monthly usage: the share of a device's monthly limit used.
    monthlyUsageWarningRatio: 0.9,

    // Session statistics: the "not bad" share below which a full interval
    // with at least sessionQualityMinSessions sessions alerts.
    sessionNotBadRatioMin: 0.8,
    sessionQualityMinSessions: 10,

    // Live sessions, the p95 over 5 minutes. Published teleoperation bands:
    // video latency good <= 100 ms, poor > 200 ms; packet loss worrying at 5 %.
    videoLatencyP95Seconds: 0.2,
    controlLatencyP95Seconds: 0.15,
    packetLossP95Ratio: 0.05,
    // Encoding a frame in more than a frame interval at 20 fps.
    encodeLatencyP95Seconds: 0.05,
    // A gap between frames over frameGapStutterSeconds is a stutter (must be
    // a bucket bound of trro_session_frame_gap_seconds); the good band is
    // under 0.2 % of seconds, the alert fires above frameGapRatio.
    frameGapStutterSeconds: 0.2,
    frameGapRatio: 0.01,

    runbookURL: 'https://github.com/trro-exporter/trro_exporter/blob/main/docs/runbook.md',
  },
}
