// prometheusAlerts: the alerting rules. Thresholds come from _config; the
// `for` durations are part of each alert's meaning and are overridden, if
// at all, on the rule.
local keepsAccount = 'job, instance, account';

{
  local c = $._config,
  local runbook(alert) = '%s#%s' % [c.runbookURL, std.asciiLower(alert)],
  local days(d) = '%d * 86400' % d,
  local percent(r) = '%d%%' % std.floor(r * 100 + 0.5),
  // Numbers as a person writes them (std.toString prints 17 digits).
  local num(x) = '%.15g' % x,
  // std.round is newer than jsonnet 0.18 (Debian 12).
  local ms(s) = '%d ms' % std.floor(s * 1000 + 0.5),
  local alert(name, severity, expr, forDuration, summary, description) = {
    alert: name,
    expr: expr,
    'for': forDuration,
    labels: { severity: severity },
    annotations: {
      summary: summary,
      description: description,
      runbook_url: runbook(name),
    },
  },

  // With the devices collector on, a license alert names the device the
  // license keeps running (trro_device_license_info); without, the license
  // alone. The device's own authorization alert is inhibited by it
  // (deploy/alertmanager/alertmanager.yml): one page per license.
  local licenseExpiring(severity, d) = alert(
    'TrroLicenseExpiring', severity,
    |||
      (trro_license_expiry_timestamp_seconds{status="bound"} - time() < %(d)s)
        * on (%(k)s, license_id) group_left (project_id, device_id, device_name)
      topk by (%(k)s, license_id) (1, trro_device_license_info)
      or
      (trro_license_expiry_timestamp_seconds{status="bound"} - time() < %(d)s)
        unless on (%(k)s, license_id) trro_device_license_info
    ||| % { d: days(d), k: keepsAccount },
    '15m',
    'A bound TRRO license expires within %d days.' % d,
    'License {{ $labels.license_id }} (bound{{ with $labels.device_id }} to device {{ . }}{{ end }}' +
    '{{ with $labels.device_name }} "{{ . }}"{{ end }}{{ with $labels.project_id }} in project {{ . }}{{ end }})' +
    ' of account {{ $labels.account }} on {{ $labels.instance }}' +
    ' {{ if ge $value 0.0 }}expires in {{ humanizeDuration $value }}{{ else }}expired' +
    ' {{ reReplaceAll "^-" "" (humanizeDuration $value) }} ago{{ end }}.' +
    ' The device it is bound to stops working when it expires: renew it.',
  ),

  local deviceAuthorizationExpiring(severity, d) = alert(
    'TrroDeviceAuthorizationExpiring', severity,
    'trro_device_license_expiry_timestamp_seconds - time() < %s' % days(d),
    '15m',
    "A TRRO device's authorization expires within %d days." % d,
    'Device {{ $labels.device_id }} in project {{ $labels.project_id }} (account {{ $labels.account }})' +
    ' {{ if ge $value 0.0 }}loses its authorization in {{ humanizeDuration $value }}{{ else }}lost its authorization' +
    ' {{ reReplaceAll "^-" "" (humanizeDuration $value) }} ago{{ end }}.',
  ),

  // A live-session p95 over 5 minutes of a histogram above a threshold.
  local liveP95(name, histogram, threshold, summary, what, humanize) = alert(
    name, 'warning',
    'histogram_quantile(0.95, rate(%s[5m])) > %s' % [histogram, num(threshold)],
    '5m',
    summary,
    'The 95th percentile of %s {{ $labels.device_type }} device {{ $labels.device_id }}' % what +
    ' (project {{ $labels.project_id }}, account {{ $labels.account }}) has been' +
    ' {{ $value | %s }} over the last 5 minutes in session.' % humanize,
  ),

  prometheusAlerts+:: {
    groups+: [
      {
        name: 'trro-licenses',
        rules: [
          licenseExpiring('warning', c.licenseExpiryWarningDays),
          licenseExpiring('critical', c.licenseExpiryCriticalDays),
          alert(
            'TrroUnboundLicenseExpiringUnused', 'info',
            'trro_license_expiry_timestamp_seconds{status="unbound"} - time() < %s > 0' % days(c.unboundLicenseExpiryDays),
            '1h',
            'An unbound TRRO license will expire without having been used.',
            'License {{ $labels.license_id }} of account {{ $labels.account }} is not bound to any device and expires in' +
            ' {{ humanizeDuration $value }}. Bind it or let it lapse knowingly.',
          ),
          alert(
            'TrroLicensesSuspended', 'warning',
            'trro_licenses{status="suspended"} > 0',
            '15m',
            'TRRO licenses are suspended.',
            '{{ $value }} TRRO license(s) of account {{ $labels.account }} on {{ $labels.instance }} have their service' +
            ' suspended; the devices bound to them cannot run sessions.',
          ),
        ],
      },
      {
        name: 'trro-devices',
        rules: [
          deviceAuthorizationExpiring('warning', c.licenseExpiryWarningDays),
          deviceAuthorizationExpiring('critical', c.licenseExpiryCriticalDays),
          alert(
            'TrroDeviceMonthlyUsageHigh', 'warning',
            |||
              1 - trro_device_monthly_remaining_seconds / (trro_device_monthly_limit_seconds > 0) > %(r)s
                and on (%(k)s, project_id, device_id)
              trro_device_monthly_remaining_seconds <= trro_device_monthly_limit_seconds
            ||| % { r: num(c.monthlyUsageWarningRatio), k: keepsAccount },
            '15m',
            'A TRRO device has used over %s of its monthly limit.' % percent(c.monthlyUsageWarningRatio),
            'Device {{ $labels.device_id }} in project {{ $labels.project_id }} (account {{ $labels.account }}) has used' +
            ' {{ $value | humanizePercentage }} of its monthly usage limit.',
          ),
        ],
      },
      {
        name: 'trro-sessions',
        rules: [
          alert(
            'TrroSessionQualityLow', 'warning',
            |||
              trro_session_not_bad_ratio{window="previous"} < %(r)s
                and on (%(k)s, project_id, interval)
              trro_sessions{window="previous"} >= %(n)d
            ||| % { r: num(c.sessionNotBadRatioMin), n: c.sessionQualityMinSessions, k: keepsAccount },
            '10m',
            'Many TRRO sessions were of bad quality.',
            'Only {{ $value | humanizePercentage }} of the sessions of project' +
            ' {{ $labels.project_id }} (account {{ $labels.account }}) in the last full {{ $labels.interval }} were good or normal.',
          ),
        ],
      },
      {
        name: 'trro-live-sessions',
        rules: [
          liveP95(
            'TrroSessionVideoLatencyHigh', 'trro_session_video_latency_seconds_bucket', c.videoLatencyP95Seconds,
            "A teleoperated machine's video lags.", 'video latency of', 'humanizeDuration',
          ),
          liveP95(
            'TrroSessionControlLatencyHigh', 'trro_session_control_latency_seconds_bucket', c.controlLatencyP95Seconds,
            'Control messages to a teleoperated machine are slow.', 'the control message round trip of', 'humanizeDuration',
          ),
          liveP95(
            'TrroSessionPacketLossHigh', 'trro_session_packet_loss_ratio_bucket', c.packetLossP95Ratio,
            'A teleoperated machine loses packets.', 'packet loss of', 'humanizePercentage',
          ),
          alert(
            'TrroSessionResolutionDowngraded', 'warning',
            |||
              trro_session_video_resolution_pixels{kind="sent"}
                / ignoring (kind)
              trro_session_video_resolution_pixels{kind="configured"} < 1
            |||,
            '5m',
            "A teleoperated machine's video fell back to a lower resolution.",
            '{{ $labels.device_type | title }} device {{ $labels.device_id }} (project {{ $labels.project_id }},' +
            ' account {{ $labels.account }}) has sent {{ $value | humanizePercentage }} of its configured pixels' +
            ' for 5 minutes in session.',
          ),
          liveP95(
            'TrroSessionEncodeSlow', 'trro_session_stage_latency_seconds_bucket{stage="encode"}', c.encodeLatencyP95Seconds,
            'A teleoperated machine encodes its video slowly.', 'the time', 'humanizeDuration',
          ) + {
            annotations+: {
              description: 'The 95th percentile of the time {{ $labels.device_type }} device {{ $labels.device_id }}' +
                           ' (project {{ $labels.project_id }}, account {{ $labels.account }}) takes to encode a frame has been' +
                           ' {{ $value | humanizeDuration }} over the last 5 minutes in session.',
            },
          },
          alert(
            'TrroSessionFrameGaps', 'warning',
            |||
              (
                rate(trro_session_frame_gap_seconds_count[5m])
                  - ignoring (le)
                rate(trro_session_frame_gap_seconds_bucket{le="%(le)s"}[5m])
              )
                / ignoring (le)
              rate(trro_session_frame_gap_seconds_count[5m]) > %(r)s
            ||| % { le: num(c.frameGapStutterSeconds), r: num(c.frameGapRatio) },
            '10m',
            "A teleoperated machine's video stutters.",
            '{{ $value | humanizePercentage }} of the seconds of {{ $labels.device_type }} device' +
            ' {{ $labels.device_id }} (project {{ $labels.project_id }}, account {{ $labels.account }}) in session' +
            ' had a gap of over %s between frames over the last 5 minutes.' % ms(c.frameGapStutterSeconds),
          ),
        ],
      },
      {
        name: 'trro-exporter',
        rules: [
          alert(
            'TrroExporterDown', 'critical',
            'up{%s} == 0' % c.jobSelector,
            '5m',
            'Prometheus cannot scrape trro_exporter.',
            'The trro_exporter target {{ $labels.instance }}{{ with $labels.account }} (account {{ . }}){{ end }}' +
            ' has been down for 5 minutes: license and session data are not being collected.',
          ),
          alert(
            'TrroExporterAbsent', 'critical',
            'absent(up{%s})' % c.jobSelector,
            '15m',
            'No trro_exporter target is being scraped.',
            'Prometheus has no target for job "{{ $labels.job }}": license expiry alerts cannot fire.',
          ),
          alert(
            'TrroAPIUnreachable', 'warning',
            'trro_up == 0',
            '10m',
            'trro_exporter cannot reach or authenticate to the TRRO API.',
            '{{ $labels.instance }} has had no authenticated answer from the TRRO API to' +
            ' the calls of account {{ $labels.account }} for 10 minutes.',
          ),
          alert(
            'TrroCollectorFailing', 'warning',
            'trro_scrape_collector_success == 0',
            '15m',
            'A trro_exporter collector has been failing for 15 minutes.',
            'Collector {{ $labels.collector }} of account {{ $labels.account }} on {{ $labels.instance }} has failed every' +
            ' scrape for 15 minutes; its metrics are missing or incomplete.',
          ),
          alert(
            'TrroAPIAuthFailure', 'critical',
            'sum without (action) (increase(trro_api_requests_total{code=~"AuthFailure.*|UnauthorizedOperation.*"}[10m])) > 0',
            '5m',
            "The TRRO API refuses trro_exporter's credentials.",
            'The TRRO API answered {{ $labels.code }} to account {{ $labels.account }} on {{ $labels.instance }}' +
            ' {{ $value | humanize }} times in 10 minutes: check the key and its CAM policy.',
          ),
          alert(
            'TrroAPIRateLimited', 'warning',
            'sum without (code) (rate(trro_api_requests_total{code=~"RequestLimitExceeded.*"}[10m])) > 0',
            '30m',
            'The TRRO API keeps throttling trro_exporter.',
            '{{ $labels.action }} calls of account {{ $labels.account }} from {{ $labels.instance }} have been answered' +
            ' RequestLimitExceeded for 30 minutes ({{ printf "%.2f" $value }}/s).',
          ),
        ],
      },
    ],
  },
}
