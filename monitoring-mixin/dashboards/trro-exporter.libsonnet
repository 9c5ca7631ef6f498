// The trro-exporter dashboard: Grafana JSON with the mixin's parameters in
// place of its thresholds. c is the mixin's _config, f the same with the
// figures the texts print (percent, milliseconds).
function(c, f)
  {
    "uid": "trro-exporter",
    "title": "TRRO / Exporter",
    "description": "Health of trro_exporter: API calls, errors and latency by action, collector success and duration, scrape duration.",
    "editable": false,
    "tags": [
      "trro"
    ],
    "schemaVersion": 39,
    "version": 1,
    "time": {
      "from": "now-6h",
      "to": "now"
    },
    "refresh": "1m",
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
        }
      ]
    },
    "panels": [
      {
        "id": 1,
        "type": "stat",
        "title": "Exporter up",
        "description": "1 when Prometheus can scrape the exporter (up).",
        "datasource": {
          "type": "prometheus",
          "uid": "${datasource}"
        },
        "gridPos": {
          "h": 4,
          "w": 12,
          "x": 0,
          "y": 0
        },
        "fieldConfig": {
          "defaults": {
            "unit": "bool_yes_no",
            "thresholds": {
              "mode": "absolute",
              "steps": [
                {
                  "color": "red",
                  "value": null
                },
                {
                  "color": "green",
                  "value": 1
                }
              ]
            }
          },
          "overrides": []
        },
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
        },
        "targets": [
          {
            "refId": "A",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "up{job=~\"$job\",instance=~\"$instance\"}",
            "legendFormat": "{{instance}} {{account}}"
          }
        ]
      },
      {
        "id": 2,
        "type": "stat",
        "title": "API reachable",
        "description": "1 when the last scrape reached the TRRO API and was authenticated (trro_up).",
        "datasource": {
          "type": "prometheus",
          "uid": "${datasource}"
        },
        "gridPos": {
          "h": 4,
          "w": 12,
          "x": 12,
          "y": 0
        },
        "fieldConfig": {
          "defaults": {
            "unit": "bool_yes_no",
            "thresholds": {
              "mode": "absolute",
              "steps": [
                {
                  "color": "red",
                  "value": null
                },
                {
                  "color": "green",
                  "value": 1
                }
              ]
            }
          },
          "overrides": []
        },
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
        },
        "targets": [
          {
            "refId": "A",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "trro_up{job=~\"$job\",instance=~\"$instance\",account=~\"$account\"}",
            "legendFormat": "{{instance}} {{account}}"
          }
        ]
      },
      {
        "id": 3,
        "type": "timeseries",
        "title": "API requests",
        "description": "TRRO API requests per second by action and result code.",
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
            "unit": "reqps"
          },
          "overrides": []
        },
        "options": {
          "legend": {
            "displayMode": "list",
            "placement": "bottom",
            "showLegend": true,
            "calcs": []
          },
          "tooltip": {
            "mode": "multi",
            "sort": "none"
          }
        },
        "targets": [
          {
            "refId": "A",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "sum by (account, action, code) (rate(trro_api_requests_total{job=~\"$job\",instance=~\"$instance\",account=~\"$account\"}[$__rate_interval]))",
            "legendFormat": "{{account}} {{action}} {{code}}"
          }
        ]
      },
      {
        "id": 4,
        "type": "timeseries",
        "title": "API errors",
        "description": "TRRO API requests per second that did not succeed, by action and code.",
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
            "unit": "reqps"
          },
          "overrides": []
        },
        "options": {
          "legend": {
            "displayMode": "list",
            "placement": "bottom",
            "showLegend": true,
            "calcs": []
          },
          "tooltip": {
            "mode": "multi",
            "sort": "none"
          }
        },
        "targets": [
          {
            "refId": "A",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "sum by (account, action, code) (rate(trro_api_requests_total{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",code!=\"OK\"}[$__rate_interval]))",
            "legendFormat": "{{account}} {{action}} {{code}}"
          }
        ]
      },
      {
        "id": 5,
        "type": "timeseries",
        "title": "API latency",
        "description": "95th percentile of TRRO API request latency by action.",
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
        "options": {
          "legend": {
            "displayMode": "list",
            "placement": "bottom",
            "showLegend": true,
            "calcs": []
          },
          "tooltip": {
            "mode": "multi",
            "sort": "none"
          }
        },
        "targets": [
          {
            "refId": "A",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "histogram_quantile(0.95, sum by (le, account, action) (rate(trro_api_request_duration_seconds_bucket{job=~\"$job\",instance=~\"$instance\",account=~\"$account\"}[$__rate_interval])))",
            "legendFormat": "{{account}} {{action}} p95"
          }
        ]
      },
      {
        "id": 6,
        "type": "timeseries",
        "title": "Collector success",
        "description": "1 when the collector's API calls all succeeded in the scrape.",
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
            "unit": "bool_yes_no",
            "min": 0,
            "max": 1
          },
          "overrides": []
        },
        "options": {
          "legend": {
            "displayMode": "list",
            "placement": "bottom",
            "showLegend": true,
            "calcs": []
          },
          "tooltip": {
            "mode": "multi",
            "sort": "none"
          }
        },
        "targets": [
          {
            "refId": "A",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "trro_scrape_collector_success{job=~\"$job\",instance=~\"$instance\",account=~\"$account\"}",
            "legendFormat": "{{account}} {{collector}}"
          }
        ]
      },
      {
        "id": 7,
        "type": "timeseries",
        "title": "Collector duration",
        "description": "Time each collector took in the scrape's API round.",
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
        "options": {
          "legend": {
            "displayMode": "list",
            "placement": "bottom",
            "showLegend": true,
            "calcs": []
          },
          "tooltip": {
            "mode": "multi",
            "sort": "none"
          }
        },
        "targets": [
          {
            "refId": "A",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "trro_scrape_collector_duration_seconds{job=~\"$job\",instance=~\"$instance\",account=~\"$account\"}",
            "legendFormat": "{{account}} {{collector}}"
          }
        ]
      },
      {
        "id": 8,
        "type": "timeseries",
        "title": "Scrape duration",
        "description": "How long Prometheus' scrape of the exporter took, against the scrape timeout.",
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
        "options": {
          "legend": {
            "displayMode": "list",
            "placement": "bottom",
            "showLegend": true,
            "calcs": []
          },
          "tooltip": {
            "mode": "multi",
            "sort": "none"
          }
        },
        "targets": [
          {
            "refId": "A",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "scrape_duration_seconds{job=~\"$job\",instance=~\"$instance\"}",
            "legendFormat": "{{instance}} {{account}}"
          }
        ]
      },
      {
        "id": 9,
        "type": "timeseries",
        "title": "Truncated collectors and dropped values",
        "description": "Collectors that hit their cap (max_devices_per_project, max_live_sessions), and API values dropped per second by field and reason (unparseable, implausible, negative; null or missing points of session series).",
        "datasource": {
          "type": "prometheus",
          "uid": "${datasource}"
        },
        "gridPos": {
          "h": 8,
          "w": 24,
          "x": 0,
          "y": 28
        },
        "fieldConfig": {
          "defaults": {
            "unit": "short"
          },
          "overrides": []
        },
        "options": {
          "legend": {
            "displayMode": "list",
            "placement": "bottom",
            "showLegend": true,
            "calcs": []
          },
          "tooltip": {
            "mode": "multi",
            "sort": "none"
          }
        },
        "targets": [
          {
            "refId": "A",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "trro_collector_truncated{job=~\"$job\",instance=~\"$instance\",account=~\"$account\"}",
            "legendFormat": "truncated {{account}} {{collector}}"
          },
          {
            "refId": "B",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "sum by (field, reason) (rate(trro_dropped_values_total{job=~\"$job\",instance=~\"$instance\",account=~\"$account\"}[$__rate_interval]))",
            "legendFormat": "{{field}} {{reason}}"
          }
        ]
      }
    ]
  }
