// prometheusRules: recording rules for long-range views. A p95 over every
// device of an account in session is what a fleet's week or quarter looks
// like; recorded, a 90-day panel reads one series per account instead of
// the buckets of every device.
{
  local p95(histogram) = {
    record: 'account:%s:p95_rate5m' % std.strReplace(histogram, '_bucket', ''),
    expr: 'histogram_quantile(0.95, sum without (project_id, device_id, device_type) (rate(%s[5m])))' % histogram,
  },
  prometheusRules+:: {
    groups+: [
      {
        name: 'trro-live-sessions.rules',
        rules: [
          p95('trro_session_video_latency_seconds_bucket'),
          p95('trro_session_control_latency_seconds_bucket'),
          p95('trro_session_packet_loss_ratio_bucket'),
        ],
      },
    ],
  },
}
