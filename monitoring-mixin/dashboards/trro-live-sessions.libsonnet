// The trro-live-sessions dashboard: Grafana JSON with the mixin's parameters in
// place of its thresholds. c is the mixin's _config, f the same with the
// figures the texts print (percent, milliseconds).
function(c, f)
  {
    "uid": "trro-live-sessions",
    "title": "TRRO / Live sessions",
    "description": "Live teleoperation quality from trro_exporter: video, network and control latency, packet loss, frame rate, bitrate and stutter of every machine in session, the links of multi-network devices, and who drives what.",
    "editable": false,
    "tags": [
      "trro"
    ],
    "schemaVersion": 39,
    "version": 1,
    "time": {
      "from": "now-1h",
      "to": "now"
    },
    "refresh": "30s",
    "timezone": "",
    "graphTooltip": 1,
    "annotations": {
      "list": []
    },
    "links": [
      {
        "title": "TRRO dashboards",
        "type": "dashboards",
        "tags": [
          "trro"
        ],
        "asDropdown": true,
        "includeVars": true,
        "keepTime": true,
        "targetBlank": false,
        "icon": "external link",
        "tooltip": "",
        "url": ""
      }
    ],
    "templating": {
      "list": [
        {
          "name": "datasource",
          "label": "Data source",
          "type": "datasource",
          "query": "prometheus",
          "current": {
            "selected": false,
            "text": "",
            "value": ""
          },
          "hide": 0,
          "options": [],
          "refresh": 1,
          "regex": ""
        },
        {
          "name": "job",
          "label": "Job",
          "type": "query",
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "definition": "label_values({__name__=~\"trro_up|trro_project_info\"}, job)",
          "query": {
            "query": "label_values({__name__=~\"trro_up|trro_project_info\"}, job)",
            "refId": "job"
          },
          "refresh": 2,
          "sort": 1,
          "hide": 0,
          "current": {
            "selected": false,
            "text": "",
            "value": ""
          },
          "options": [],
          "regex": "",
          "includeAll": false,
          "multi": false
        },
        {
          "name": "instance",
          "label": "Instance",
          "type": "query",
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "definition": "label_values({__name__=~\"trro_up|trro_project_info\",job=~\"$job\"}, instance)",
          "query": {
            "query": "label_values({__name__=~\"trro_up|trro_project_info\",job=~\"$job\"}, instance)",
            "refId": "instance"
          },
          "refresh": 2,
          "sort": 1,
          "hide": 0,
          "current": {
            "selected": true,
            "text": [
              "All"
            ],
            "value": [
              "$__all"
            ]
          },
          "options": [],
          "regex": "",
          "includeAll": true,
          "multi": true,
          "allValue": ".+"
        },
        {
          "name": "account",
          "label": "Account",
          "type": "query",
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "definition": "label_values({__name__=~\"trro_up|trro_project_info\",job=~\"$job\",instance=~\"$instance\"}, account)",
          "query": {
            "query": "label_values({__name__=~\"trro_up|trro_project_info\",job=~\"$job\",instance=~\"$instance\"}, account)",
            "refId": "account"
          },
          "refresh": 2,
          "sort": 1,
          "hide": 0,
          "current": {
            "selected": true,
            "text": [
              "All"
            ],
            "value": [
              "$__all"
            ]
          },
          "options": [],
          "regex": "",
          "includeAll": true,
          "multi": true,
          "allValue": ".+"
        },
        {
          "name": "project_id",
          "label": "Project",
          "type": "query",
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "definition": "label_values(trro_project_info{job=~\"$job\",instance=~\"$instance\",account=~\"$account\"}, project_id)",
          "query": {
            "query": "label_values(trro_project_info{job=~\"$job\",instance=~\"$instance\",account=~\"$account\"}, project_id)",
            "refId": "project_id"
          },
          "refresh": 2,
          "sort": 1,
          "hide": 0,
          "current": {
            "selected": true,
            "text": [
              "All"
            ],
            "value": [
              "$__all"
            ]
          },
          "options": [],
          "regex": "",
          "includeAll": true,
          "multi": true,
          "allValue": ".+"
        },
        {
          "name": "device_id",
          "label": "Device",
          "type": "query",
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "definition": "label_values(trro_session_detail_points_total{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\"}, device_id)",
          "query": {
            "query": "label_values(trro_session_detail_points_total{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\"}, device_id)",
            "refId": "device_id"
          },
          "refresh": 2,
          "sort": 1,
          "hide": 0,
          "current": {
            "selected": true,
            "text": [
              "All"
            ],
            "value": [
              "$__all"
            ]
          },
          "options": [],
          "regex": "",
          "includeAll": true,
          "multi": false,
          "allValue": ".+"
        }
      ]
    },
    "panels": [
      {
        "id": 1,
        "type": "stat",
        "title": "Live sessions",
        "description": "Sessions live now (updated within the active session window) in the selected projects. 0 when none is live.",
        "datasource": {
          "type": "prometheus",
          "uid": "${datasource}"
        },
        "gridPos": {
          "h": 4,
          "w": 6,
          "x": 0,
          "y": 0
        },
        "fieldConfig": {
          "defaults": {
            "unit": "short"
          },
          "overrides": []
        },
        "targets": [
          {
            "refId": "A",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "count(trro_live_session_start_timestamp_seconds{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\"}) or vector(0)",
            "legendFormat": ""
          }
        ],
        "options": {
          "reduceOptions": {
            "calcs": [
              "lastNotNull"
            ],
            "fields": "",
            "values": false
          },
          "colorMode": "value",
          "graphMode": "area",
          "textMode": "auto",
          "justifyMode": "auto",
          "orientation": "auto",
          "wideLayout": true,
          "showPercentChange": false,
          "percentChangeColorMode": "standard"
        }
      },
      {
        "id": 2,
        "type": "stat",
        "title": "Video latency p95, fleet",
        "description": "95th percentile of video latency over every device in session, over the rate interval. Alerts fire per machine above %(videoLatencyP95Ms)d ms." % f,
        "datasource": {
          "type": "prometheus",
          "uid": "${datasource}"
        },
        "gridPos": {
          "h": 4,
          "w": 6,
          "x": 6,
          "y": 0
        },
        "fieldConfig": {
          "defaults": {
            "unit": "s",
            "thresholds": {
              "mode": "absolute",
              "steps": [
                {
                  "color": "green",
                  "value": null
                },
                {
                  "color": "red",
                  "value": c.videoLatencyP95Seconds
                }
              ]
            }
          },
          "overrides": []
        },
        "targets": [
          {
            "refId": "A",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "histogram_quantile(0.95, sum by (le) (rate(trro_session_video_latency_seconds_bucket{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\"}[$__rate_interval])))",
            "legendFormat": ""
          }
        ],
        "options": {
          "reduceOptions": {
            "calcs": [
              "lastNotNull"
            ],
            "fields": "",
            "values": false
          },
          "colorMode": "value",
          "graphMode": "area",
          "textMode": "auto",
          "justifyMode": "auto",
          "orientation": "auto",
          "wideLayout": true,
          "showPercentChange": false,
          "percentChangeColorMode": "standard"
        }
      },
      {
        "id": 3,
        "type": "stat",
        "title": "Control latency p95, fleet",
        "description": "95th percentile of the control message round trip between remote and field devices, over every device in session. Alerts fire per machine above %(controlLatencyP95Ms)d ms." % f,
        "datasource": {
          "type": "prometheus",
          "uid": "${datasource}"
        },
        "gridPos": {
          "h": 4,
          "w": 6,
          "x": 12,
          "y": 0
        },
        "fieldConfig": {
          "defaults": {
            "unit": "s",
            "thresholds": {
              "mode": "absolute",
              "steps": [
                {
                  "color": "green",
                  "value": null
                },
                {
                  "color": "red",
                  "value": c.controlLatencyP95Seconds
                }
              ]
            }
          },
          "overrides": []
        },
        "targets": [
          {
            "refId": "A",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "histogram_quantile(0.95, sum by (le) (rate(trro_session_control_latency_seconds_bucket{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\"}[$__rate_interval])))",
            "legendFormat": ""
          }
        ],
        "options": {
          "reduceOptions": {
            "calcs": [
              "lastNotNull"
            ],
            "fields": "",
            "values": false
          },
          "colorMode": "value",
          "graphMode": "area",
          "textMode": "auto",
          "justifyMode": "auto",
          "orientation": "auto",
          "wideLayout": true,
          "showPercentChange": false,
          "percentChangeColorMode": "standard"
        }
      },
      {
        "id": 4,
        "type": "stat",
        "title": "Packet loss p95, fleet",
        "description": "95th percentile of packet loss over every device in session. Alerts fire per machine above %(packetLossP95Percent).15g %%." % f,
        "datasource": {
          "type": "prometheus",
          "uid": "${datasource}"
        },
        "gridPos": {
          "h": 4,
          "w": 6,
          "x": 18,
          "y": 0
        },
        "fieldConfig": {
          "defaults": {
            "unit": "percentunit",
            "thresholds": {
              "mode": "absolute",
              "steps": [
                {
                  "color": "green",
                  "value": null
                },
                {
                  "color": "red",
                  "value": c.packetLossP95Ratio
                }
              ]
            }
          },
          "overrides": []
        },
        "targets": [
          {
            "refId": "A",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "histogram_quantile(0.95, sum by (le) (rate(trro_session_packet_loss_ratio_bucket{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\"}[$__rate_interval])))",
            "legendFormat": ""
          }
        ],
        "options": {
          "reduceOptions": {
            "calcs": [
              "lastNotNull"
            ],
            "fields": "",
            "values": false
          },
          "colorMode": "value",
          "graphMode": "area",
          "textMode": "auto",
          "justifyMode": "auto",
          "orientation": "auto",
          "wideLayout": true,
          "showPercentChange": false,
          "percentChangeColorMode": "standard"
        }
      },
      {
        "id": 5,
        "type": "timeseries",
        "title": "Video latency, fleet",
        "description": "Video latency of every device in session: p50, p95 and p99 over the rate interval.",
        "datasource": {
          "type": "prometheus",
          "uid": "${datasource}"
        },
        "gridPos": {
          "h": 8,
          "w": 12,
          "x": 0,
          "y": 4
        },
        "fieldConfig": {
          "defaults": {
            "unit": "s"
          },
          "overrides": []
        },
        "targets": [
          {
            "refId": "A",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "histogram_quantile(0.5, sum by (le) (rate(trro_session_video_latency_seconds_bucket{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\"}[$__rate_interval])))",
            "legendFormat": "p50"
          },
          {
            "refId": "B",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "histogram_quantile(0.95, sum by (le) (rate(trro_session_video_latency_seconds_bucket{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\"}[$__rate_interval])))",
            "legendFormat": "p95"
          },
          {
            "refId": "C",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "histogram_quantile(0.99, sum by (le) (rate(trro_session_video_latency_seconds_bucket{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\"}[$__rate_interval])))",
            "legendFormat": "p99"
          }
        ],
        "options": {
          "legend": {
            "displayMode": "list",
            "placement": "bottom",
            "showLegend": true,
            "calcs": []
          },
          "tooltip": {
            "mode": "multi",
            "sort": "desc"
          }
        }
      },
      {
        "id": 6,
        "type": "timeseries",
        "title": "Network latency, fleet",
        "description": "Network latency of every device in session: p50, p95 and p99.",
        "datasource": {
          "type": "prometheus",
          "uid": "${datasource}"
        },
        "gridPos": {
          "h": 8,
          "w": 12,
          "x": 12,
          "y": 4
        },
        "fieldConfig": {
          "defaults": {
            "unit": "s"
          },
          "overrides": []
        },
        "targets": [
          {
            "refId": "A",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "histogram_quantile(0.5, sum by (le) (rate(trro_session_network_latency_seconds_bucket{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\"}[$__rate_interval])))",
            "legendFormat": "p50"
          },
          {
            "refId": "B",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "histogram_quantile(0.95, sum by (le) (rate(trro_session_network_latency_seconds_bucket{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\"}[$__rate_interval])))",
            "legendFormat": "p95"
          },
          {
            "refId": "C",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "histogram_quantile(0.99, sum by (le) (rate(trro_session_network_latency_seconds_bucket{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\"}[$__rate_interval])))",
            "legendFormat": "p99"
          }
        ],
        "options": {
          "legend": {
            "displayMode": "list",
            "placement": "bottom",
            "showLegend": true,
            "calcs": []
          },
          "tooltip": {
            "mode": "multi",
            "sort": "desc"
          }
        }
      },
      {
        "id": 7,
        "type": "timeseries",
        "title": "Control latency, fleet",
        "description": "Round trip of control messages between remote and field devices: p50, p95 and p99.",
        "datasource": {
          "type": "prometheus",
          "uid": "${datasource}"
        },
        "gridPos": {
          "h": 8,
          "w": 12,
          "x": 0,
          "y": 12
        },
        "fieldConfig": {
          "defaults": {
            "unit": "s"
          },
          "overrides": []
        },
        "targets": [
          {
            "refId": "A",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "histogram_quantile(0.5, sum by (le) (rate(trro_session_control_latency_seconds_bucket{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\"}[$__rate_interval])))",
            "legendFormat": "p50"
          },
          {
            "refId": "B",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "histogram_quantile(0.95, sum by (le) (rate(trro_session_control_latency_seconds_bucket{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\"}[$__rate_interval])))",
            "legendFormat": "p95"
          },
          {
            "refId": "C",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "histogram_quantile(0.99, sum by (le) (rate(trro_session_control_latency_seconds_bucket{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\"}[$__rate_interval])))",
            "legendFormat": "p99"
          }
        ],
        "options": {
          "legend": {
            "displayMode": "list",
            "placement": "bottom",
            "showLegend": true,
            "calcs": []
          },
          "tooltip": {
            "mode": "multi",
            "sort": "desc"
          }
        }
      },
      {
        "id": 8,
        "type": "timeseries",
        "title": "Packet loss, fleet",
        "description": "Packet loss of every device in session: p50, p95 and p99.",
        "datasource": {
          "type": "prometheus",
          "uid": "${datasource}"
        },
        "gridPos": {
          "h": 8,
          "w": 12,
          "x": 12,
          "y": 12
        },
        "fieldConfig": {
          "defaults": {
            "unit": "percentunit"
          },
          "overrides": []
        },
        "targets": [
          {
            "refId": "A",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "histogram_quantile(0.5, sum by (le) (rate(trro_session_packet_loss_ratio_bucket{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\"}[$__rate_interval])))",
            "legendFormat": "p50"
          },
          {
            "refId": "B",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "histogram_quantile(0.95, sum by (le) (rate(trro_session_packet_loss_ratio_bucket{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\"}[$__rate_interval])))",
            "legendFormat": "p95"
          },
          {
            "refId": "C",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "histogram_quantile(0.99, sum by (le) (rate(trro_session_packet_loss_ratio_bucket{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\"}[$__rate_interval])))",
            "legendFormat": "p99"
          }
        ],
        "options": {
          "legend": {
            "displayMode": "list",
            "placement": "bottom",
            "showLegend": true,
            "calcs": []
          },
          "tooltip": {
            "mode": "multi",
            "sort": "desc"
          }
        }
      },
      {
        "id": 9,
        "type": "timeseries",
        "title": "Video latency p95 per machine",
        "description": "95th percentile of each device's video latency over the rate interval; only devices in session have points.",
        "datasource": {
          "type": "prometheus",
          "uid": "${datasource}"
        },
        "gridPos": {
          "h": 8,
          "w": 12,
          "x": 0,
          "y": 20
        },
        "fieldConfig": {
          "defaults": {
            "unit": "s"
          },
          "overrides": []
        },
        "targets": [
          {
            "refId": "A",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "histogram_quantile(0.95, sum by (project_id, device_id, device_type, le) (rate(trro_session_video_latency_seconds_bucket{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\"}[$__rate_interval])))",
            "legendFormat": "{{device_id}} ({{device_type}})"
          }
        ],
        "options": {
          "legend": {
            "displayMode": "list",
            "placement": "bottom",
            "showLegend": true,
            "calcs": []
          },
          "tooltip": {
            "mode": "multi",
            "sort": "desc"
          }
        }
      },
      {
        "id": 10,
        "type": "timeseries",
        "title": "Control latency p95 per machine",
        "description": "95th percentile of each device's control message round trip.",
        "datasource": {
          "type": "prometheus",
          "uid": "${datasource}"
        },
        "gridPos": {
          "h": 8,
          "w": 12,
          "x": 12,
          "y": 20
        },
        "fieldConfig": {
          "defaults": {
            "unit": "s"
          },
          "overrides": []
        },
        "targets": [
          {
            "refId": "A",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "histogram_quantile(0.95, sum by (project_id, device_id, device_type, le) (rate(trro_session_control_latency_seconds_bucket{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\"}[$__rate_interval])))",
            "legendFormat": "{{device_id}} ({{device_type}})"
          }
        ],
        "options": {
          "legend": {
            "displayMode": "list",
            "placement": "bottom",
            "showLegend": true,
            "calcs": []
          },
          "tooltip": {
            "mode": "multi",
            "sort": "desc"
          }
        }
      },
      {
        "id": 11,
        "type": "timeseries",
        "title": "Network latency p95 per machine",
        "description": "95th percentile of each device's network latency.",
        "datasource": {
          "type": "prometheus",
          "uid": "${datasource}"
        },
        "gridPos": {
          "h": 8,
          "w": 12,
          "x": 0,
          "y": 28
        },
        "fieldConfig": {
          "defaults": {
            "unit": "s"
          },
          "overrides": []
        },
        "targets": [
          {
            "refId": "A",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "histogram_quantile(0.95, sum by (project_id, device_id, device_type, le) (rate(trro_session_network_latency_seconds_bucket{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\"}[$__rate_interval])))",
            "legendFormat": "{{device_id}} ({{device_type}})"
          }
        ],
        "options": {
          "legend": {
            "displayMode": "list",
            "placement": "bottom",
            "showLegend": true,
            "calcs": []
          },
          "tooltip": {
            "mode": "multi",
            "sort": "desc"
          }
        }
      },
      {
        "id": 12,
        "type": "timeseries",
        "title": "Packet loss p95 per machine",
        "description": "95th percentile of each device's packet loss.",
        "datasource": {
          "type": "prometheus",
          "uid": "${datasource}"
        },
        "gridPos": {
          "h": 8,
          "w": 12,
          "x": 12,
          "y": 28
        },
        "fieldConfig": {
          "defaults": {
            "unit": "percentunit"
          },
          "overrides": []
        },
        "targets": [
          {
            "refId": "A",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "histogram_quantile(0.95, sum by (project_id, device_id, device_type, le) (rate(trro_session_packet_loss_ratio_bucket{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\"}[$__rate_interval])))",
            "legendFormat": "{{device_id}} ({{device_type}})"
          }
        ],
        "options": {
          "legend": {
            "displayMode": "list",
            "placement": "bottom",
            "showLegend": true,
            "calcs": []
          },
          "tooltip": {
            "mode": "multi",
            "sort": "desc"
          }
        }
      },
      {
        "id": 13,
        "type": "timeseries",
        "title": "Frame rate per machine",
        "description": "Video frames per second at each device's latest point in session.",
        "datasource": {
          "type": "prometheus",
          "uid": "${datasource}"
        },
        "gridPos": {
          "h": 8,
          "w": 12,
          "x": 0,
          "y": 36
        },
        "fieldConfig": {
          "defaults": {
            "unit": "fps"
          },
          "overrides": []
        },
        "targets": [
          {
            "refId": "A",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "trro_session_frames_per_second{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\"}",
            "legendFormat": "{{device_id}} ({{device_type}})"
          }
        ],
        "options": {
          "legend": {
            "displayMode": "list",
            "placement": "bottom",
            "showLegend": true,
            "calcs": []
          },
          "tooltip": {
            "mode": "multi",
            "sort": "desc"
          }
        }
      },
      {
        "id": 14,
        "type": "timeseries",
        "title": "Bitrate per machine",
        "description": "Video bitrate at each device's latest point in session.",
        "datasource": {
          "type": "prometheus",
          "uid": "${datasource}"
        },
        "gridPos": {
          "h": 8,
          "w": 12,
          "x": 12,
          "y": 36
        },
        "fieldConfig": {
          "defaults": {
            "unit": "Bps"
          },
          "overrides": []
        },
        "targets": [
          {
            "refId": "A",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "trro_session_bitrate_bytes_per_second{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\"}",
            "legendFormat": "{{device_id}} ({{device_type}})"
          }
        ],
        "options": {
          "legend": {
            "displayMode": "list",
            "placement": "bottom",
            "showLegend": true,
            "calcs": []
          },
          "tooltip": {
            "mode": "multi",
            "sort": "desc"
          }
        }
      },
      {
        "id": 15,
        "type": "timeseries",
        "title": "Stutter per machine",
        "description": "Share of session time with frame gaps over 100 ms and 150 ms (seconds of stutter per second).",
        "datasource": {
          "type": "prometheus",
          "uid": "${datasource}"
        },
        "gridPos": {
          "h": 8,
          "w": 12,
          "x": 0,
          "y": 44
        },
        "fieldConfig": {
          "defaults": {
            "unit": "percentunit"
          },
          "overrides": []
        },
        "targets": [
          {
            "refId": "A",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "sum by (device_id, device_type, threshold) (rate(trro_session_stutter_seconds_total{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\"}[$__rate_interval]))",
            "legendFormat": "{{device_id}} ({{device_type}}) > {{threshold}}"
          }
        ],
        "options": {
          "legend": {
            "displayMode": "list",
            "placement": "bottom",
            "showLegend": true,
            "calcs": []
          },
          "tooltip": {
            "mode": "multi",
            "sort": "desc"
          }
        }
      },
      {
        "id": 16,
        "type": "timeseries",
        "title": "Points counted per second",
        "description": "Per-second points read from DescribeDeviceSessionDetails, by device: about 1 while a device is in session.",
        "datasource": {
          "type": "prometheus",
          "uid": "${datasource}"
        },
        "gridPos": {
          "h": 8,
          "w": 12,
          "x": 12,
          "y": 44
        },
        "fieldConfig": {
          "defaults": {
            "unit": "short"
          },
          "overrides": []
        },
        "targets": [
          {
            "refId": "A",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "sum by (device_id, device_type) (rate(trro_session_detail_points_total{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\"}[$__rate_interval]))",
            "legendFormat": "{{device_id}} ({{device_type}})"
          }
        ],
        "options": {
          "legend": {
            "displayMode": "list",
            "placement": "bottom",
            "showLegend": true,
            "calcs": []
          },
          "tooltip": {
            "mode": "multi",
            "sort": "desc"
          }
        }
      },
      {
        "id": 17,
        "type": "timeseries",
        "title": "Link round trip p95, multi-network devices",
        "description": "95th percentile round trip of each network link of multi-network devices in session.",
        "datasource": {
          "type": "prometheus",
          "uid": "${datasource}"
        },
        "gridPos": {
          "h": 8,
          "w": 12,
          "x": 0,
          "y": 52
        },
        "fieldConfig": {
          "defaults": {
            "unit": "s"
          },
          "overrides": []
        },
        "targets": [
          {
            "refId": "A",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "histogram_quantile(0.95, sum by (device_id, net_id, le) (rate(trro_session_link_rtt_seconds_bucket{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\"}[$__rate_interval])))",
            "legendFormat": "{{device_id}} link {{net_id}}"
          }
        ],
        "options": {
          "legend": {
            "displayMode": "list",
            "placement": "bottom",
            "showLegend": true,
            "calcs": []
          },
          "tooltip": {
            "mode": "multi",
            "sort": "desc"
          }
        }
      },
      {
        "id": 18,
        "type": "timeseries",
        "title": "Link packet loss p95, multi-network devices",
        "description": "95th percentile packet loss of each network link of multi-network devices in session.",
        "datasource": {
          "type": "prometheus",
          "uid": "${datasource}"
        },
        "gridPos": {
          "h": 8,
          "w": 12,
          "x": 12,
          "y": 52
        },
        "fieldConfig": {
          "defaults": {
            "unit": "percentunit"
          },
          "overrides": []
        },
        "targets": [
          {
            "refId": "A",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "histogram_quantile(0.95, sum by (device_id, net_id, le) (rate(trro_session_link_packet_loss_ratio_bucket{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\"}[$__rate_interval])))",
            "legendFormat": "{{device_id}} link {{net_id}}"
          }
        ],
        "options": {
          "legend": {
            "displayMode": "list",
            "placement": "bottom",
            "showLegend": true,
            "calcs": []
          },
          "tooltip": {
            "mode": "multi",
            "sort": "desc"
          }
        }
      },
      {
        "id": 19,
        "type": "table",
        "title": "Who drives what",
        "description": "Live sessions: which remote console drives which field machine, at what resolution, since when.",
        "datasource": {
          "type": "prometheus",
          "uid": "${datasource}"
        },
        "gridPos": {
          "h": 8,
          "w": 24,
          "x": 0,
          "y": 60
        },
        "fieldConfig": {
          "defaults": {
            "unit": "dateTimeAsIso",
            "custom": {
              "inspect": false,
              "align": "auto",
              "cellOptions": {
                "type": "auto"
              }
            }
          },
          "overrides": []
        },
        "targets": [
          {
            "refId": "A",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "max by (project_id, field_device_id, remote_device_id, resolution) (trro_live_session_start_timestamp_seconds{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\"}) * 1000",
            "legendFormat": "",
            "format": "table",
            "instant": true
          }
        ],
        "options": {
          "showHeader": true,
          "footer": {
            "show": false,
            "reducer": [],
            "countRows": false
          },
          "frameIndex": 0
        },
        "transformations": [
          {
            "id": "organize",
            "options": {
              "excludeByName": {
                "Time": true
              },
              "renameByName": {
                "Value": "Started",
                "field_device_id": "Field machine",
                "remote_device_id": "Console",
                "project_id": "Project",
                "resolution": "Resolution"
              }
            }
          }
        ]
      },
      {
        "id": 20,
        "type": "row",
        "title": "Why is it laggy",
        "collapsed": false,
        "gridPos": {
          "h": 1,
          "w": 24,
          "x": 0,
          "y": 68
        },
        "panels": []
      },
      {
        "id": 21,
        "type": "timeseries",
        "title": "Latency by stage, p95 (stacked)",
        "description": "Time each stage of the video pipeline took (95th percentile), stacked: capture and encode on the field device (the camera box), decode and render on the console. A stage that grows while network latency stays flat is the cause.",
        "datasource": {
          "type": "prometheus",
          "uid": "${datasource}"
        },
        "gridPos": {
          "h": 8,
          "w": 12,
          "x": 0,
          "y": 69
        },
        "fieldConfig": {
          "defaults": {
            "unit": "s",
            "custom": {
              "stacking": {
                "mode": "normal",
                "group": "A"
              },
              "fillOpacity": 30
            }
          },
          "overrides": []
        },
        "targets": [
          {
            "refId": "A",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "histogram_quantile(0.95, sum by (device_id, stage, le) (rate(trro_session_stage_latency_seconds_bucket{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\",device_id=~\"$device_id\"}[$__rate_interval])))",
            "legendFormat": "{{device_id}} {{stage}}"
          }
        ],
        "options": {
          "legend": {
            "displayMode": "list",
            "placement": "bottom",
            "showLegend": true,
            "calcs": []
          },
          "tooltip": {
            "mode": "multi",
            "sort": "desc"
          }
        }
      },
      {
        "id": 22,
        "type": "timeseries",
        "title": "Latency by stage, p50 (stacked)",
        "description": "The median time of each stage of the video pipeline, stacked, as the p95 panel beside it.",
        "datasource": {
          "type": "prometheus",
          "uid": "${datasource}"
        },
        "gridPos": {
          "h": 8,
          "w": 12,
          "x": 12,
          "y": 69
        },
        "fieldConfig": {
          "defaults": {
            "unit": "s",
            "custom": {
              "stacking": {
                "mode": "normal",
                "group": "A"
              },
              "fillOpacity": 30
            }
          },
          "overrides": []
        },
        "targets": [
          {
            "refId": "A",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "histogram_quantile(0.5, sum by (device_id, stage, le) (rate(trro_session_stage_latency_seconds_bucket{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\",device_id=~\"$device_id\"}[$__rate_interval])))",
            "legendFormat": "{{device_id}} {{stage}}"
          }
        ],
        "options": {
          "legend": {
            "displayMode": "list",
            "placement": "bottom",
            "showLegend": true,
            "calcs": []
          },
          "tooltip": {
            "mode": "multi",
            "sort": "desc"
          }
        }
      },
      {
        "id": 23,
        "type": "timeseries",
        "title": "Frame gaps per minute",
        "description": "Seconds per minute of session with a gap between two frames over 100 ms and over %(frameGapStutterMs)d ms (MaxFrameDelta). Good video has almost none: under 0.2 %% of the time stutters." % f,
        "datasource": {
          "type": "prometheus",
          "uid": "${datasource}"
        },
        "gridPos": {
          "h": 8,
          "w": 12,
          "x": 0,
          "y": 77
        },
        "fieldConfig": {
          "defaults": {
            "unit": "short"
          },
          "overrides": []
        },
        "targets": [
          {
            "refId": "A",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "60 * (sum by (device_id, device_type) (rate(trro_session_frame_gap_seconds_count{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\",device_id=~\"$device_id\"}[$__rate_interval])) - ignoring (le) sum by (device_id, device_type) (rate(trro_session_frame_gap_seconds_bucket{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\",device_id=~\"$device_id\",le=\"0.1\"}[$__rate_interval])))",
            "legendFormat": "{{device_id}} ({{device_type}}) > 100 ms"
          },
          {
            "refId": "B",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "60 * (sum by (device_id, device_type) (rate(trro_session_frame_gap_seconds_count{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\",device_id=~\"$device_id\"}[$__rate_interval])) - ignoring (le) sum by (device_id, device_type) (rate(trro_session_frame_gap_seconds_bucket{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\",device_id=~\"$device_id\",le=\"%(frameGapStutterSeconds).15g\"}[$__rate_interval])))" % f,
            "legendFormat": "{{device_id}} ({{device_type}}) > %(frameGapStutterMs)d ms" % f
          }
        ],
        "options": {
          "legend": {
            "displayMode": "list",
            "placement": "bottom",
            "showLegend": true,
            "calcs": []
          },
          "tooltip": {
            "mode": "multi",
            "sort": "desc"
          }
        }
      },
      {
        "id": 24,
        "type": "timeseries",
        "title": "Retransmission requests (NACK)",
        "description": "NACKs per second: packets lost on the way and asked for again. A rise with packet loss and a falling bandwidth estimate means a congested link.",
        "datasource": {
          "type": "prometheus",
          "uid": "${datasource}"
        },
        "gridPos": {
          "h": 8,
          "w": 12,
          "x": 12,
          "y": 77
        },
        "fieldConfig": {
          "defaults": {
            "unit": "reqps"
          },
          "overrides": []
        },
        "targets": [
          {
            "refId": "A",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "sum by (device_id, device_type) (rate(trro_session_nack_total{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\",device_id=~\"$device_id\"}[$__rate_interval]))",
            "legendFormat": "{{device_id}} ({{device_type}})"
          }
        ],
        "options": {
          "legend": {
            "displayMode": "list",
            "placement": "bottom",
            "showLegend": true,
            "calcs": []
          },
          "tooltip": {
            "mode": "multi",
            "sort": "desc"
          }
        }
      },
      {
        "id": 25,
        "type": "timeseries",
        "title": "Bitrate against bandwidth estimate",
        "description": "The video bitrate beside the bandwidth the device estimates it has (BitRateEstimate). When the two meet there is no headroom: the stream drops resolution or stutters.",
        "datasource": {
          "type": "prometheus",
          "uid": "${datasource}"
        },
        "gridPos": {
          "h": 8,
          "w": 12,
          "x": 0,
          "y": 85
        },
        "fieldConfig": {
          "defaults": {
            "unit": "Bps"
          },
          "overrides": []
        },
        "targets": [
          {
            "refId": "A",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "trro_session_bitrate_bytes_per_second{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\",device_id=~\"$device_id\"}",
            "legendFormat": "{{device_id}} bitrate"
          },
          {
            "refId": "B",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "trro_session_bandwidth_estimate_bytes_per_second{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\",device_id=~\"$device_id\"}",
            "legendFormat": "{{device_id}} estimate"
          }
        ],
        "options": {
          "legend": {
            "displayMode": "list",
            "placement": "bottom",
            "showLegend": true,
            "calcs": []
          },
          "tooltip": {
            "mode": "multi",
            "sort": "desc"
          }
        }
      },
      {
        "id": 26,
        "type": "timeseries",
        "title": "Resolution sent ÷ configured",
        "description": "Pixels sent over pixels configured: 1 is the configured resolution; below 1 the stream fell back (1280×720 of 1920×1080 is 0.44).",
        "datasource": {
          "type": "prometheus",
          "uid": "${datasource}"
        },
        "gridPos": {
          "h": 8,
          "w": 12,
          "x": 12,
          "y": 85
        },
        "fieldConfig": {
          "defaults": {
            "unit": "percentunit"
          },
          "overrides": []
        },
        "targets": [
          {
            "refId": "A",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "trro_session_video_resolution_pixels{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\",device_id=~\"$device_id\",kind=\"sent\"} / ignoring (kind) trro_session_video_resolution_pixels{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\",device_id=~\"$device_id\",kind=\"configured\"}",
            "legendFormat": "{{device_id}} ({{device_type}})"
          }
        ],
        "options": {
          "legend": {
            "displayMode": "list",
            "placement": "bottom",
            "showLegend": true,
            "calcs": []
          },
          "tooltip": {
            "mode": "multi",
            "sort": "desc"
          }
        }
      },
      {
        "id": 27,
        "type": "table",
        "title": "Device SDK",
        "description": "Each device's SDK as its latest answer in session reports it: version, mode (p2p or server) and whether it uses several networks.",
        "datasource": {
          "type": "prometheus",
          "uid": "${datasource}"
        },
        "gridPos": {
          "h": 8,
          "w": 24,
          "x": 0,
          "y": 93
        },
        "fieldConfig": {
          "defaults": {
            "unit": "none"
          },
          "overrides": []
        },
        "targets": [
          {
            "refId": "A",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "max by (project_id, device_id, device_type, version, sdk_mode, multi_network) (trro_session_device_info{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\",device_id=~\"$device_id\"})",
            "format": "table",
            "instant": true
          }
        ],
        "transformations": [
          {
            "id": "organize",
            "options": {
              "excludeByName": {
                "Time": true,
                "Value": true
              }
            }
          }
        ],
        "options": {
          "showHeader": true,
          "footer": {
            "show": false,
            "reducer": [],
            "countRows": false
          },
          "frameIndex": 0
        }
      }
    ]
  }
