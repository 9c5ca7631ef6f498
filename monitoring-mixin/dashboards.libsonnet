// grafanaDashboards: the four dashboards, their thresholds from _config.
{
  local c = $._config,
  // The figures the dashboards' texts print.
  local f = c {
    sessionNotBadRatioMinPercent: std.floor(c.sessionNotBadRatioMin * 100 + 0.5),
    monthlyUsageWarningPercent: std.floor(c.monthlyUsageWarningRatio * 100 + 0.5),
    packetLossP95Percent: c.packetLossP95Ratio * 100,
    videoLatencyP95Ms: std.floor(c.videoLatencyP95Seconds * 1000 + 0.5),
    controlLatencyP95Ms: std.floor(c.controlLatencyP95Seconds * 1000 + 0.5),
    frameGapStutterMs: std.floor(c.frameGapStutterSeconds * 1000 + 0.5),
  },
  grafanaDashboards+:: {
    'trro-exporter.json': (import 'dashboards/trro-exporter.libsonnet')(c, f),
    'trro-fleet-overview.json': (import 'dashboards/trro-fleet-overview.libsonnet')(c, f),
    'trro-licenses.json': (import 'dashboards/trro-licenses.libsonnet')(c, f),
    'trro-live-sessions.json': (import 'dashboards/trro-live-sessions.libsonnet')(c, f),
  },
}
