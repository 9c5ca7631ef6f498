// The trro-fleet-overview dashboard: Grafana JSON with the mixin's parameters in
// place of its thresholds. c is the mixin's _config, f the same with the
// figures the texts print (percent, milliseconds).
function(c, f)
  {
    "uid": "trro-fleet-overview",
    "title": "TRRO / Fleet overview",
    "description": "Sessions, session quality and device status of TRRO (Real-time Teleoperation) projects, from trro_exporter.",
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
        }
      ]
    },
    "panels": [
      {
        "id": 1,
        "type": "stat",
        "title": "Live sessions",
        "description": "Sessions updated within the active session window (2 minutes by default), summed over the selected projects.",
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
            "expr": "sum(trro_active_sessions{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\"})",
            "legendFormat": ""
          }
        ]
      },
      {
        "id": 2,
        "type": "stat",
        "title": "Sessions, last two hours",
        "description": "Sessions active at some point in the last two hours (DescribeRecentSessionList).",
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
            "unit": "short"
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
            "expr": "sum(trro_recent_sessions{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\"})",
            "legendFormat": ""
          }
        ]
      },
      {
        "id": 3,
        "type": "stat",
        "title": "Field devices online",
        "description": "Field (on-site) devices whose status is ready or connected.",
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
            "unit": "short",
            "thresholds": {
              "mode": "absolute",
              "steps": [
                {
                  "color": "green",
                  "value": null
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
            "expr": "sum(trro_device_status{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\",status=~\"ready|connected\"} * on (job, instance, account, project_id, device_id) group_left () trro_device_info{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\",device_type=\"field\"})",
            "legendFormat": ""
          }
        ]
      },
      {
        "id": 4,
        "type": "stat",
        "title": "Field devices offline",
        "description": "Field (on-site) devices whose status is offline.",
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
            "unit": "short",
            "thresholds": {
              "mode": "absolute",
              "steps": [
                {
                  "color": "green",
                  "value": null
                },
                {
                  "color": "orange",
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
            "expr": "sum(trro_device_status{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\",status=\"offline\"} * on (job, instance, account, project_id, device_id) group_left () trro_device_info{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\",device_type=\"field\"})",
            "legendFormat": ""
          }
        ]
      },
      {
        "id": 5,
        "type": "timeseries",
        "title": "Sessions per hour",
        "description": "Sessions in the last full hour per project (trro_sessions, interval hour, window previous).",
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
            "expr": "sum by (project_id) (trro_sessions{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\",interval=\"hour\",window=\"previous\"})",
            "legendFormat": "{{project_id}}"
          }
        ]
      },
      {
        "id": 6,
        "type": "timeseries",
        "title": "Session time per hour",
        "description": "Total session time in the last full hour per project.",
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
            "expr": "sum by (project_id) (trro_session_duration_seconds{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\",interval=\"hour\",window=\"previous\"})",
            "legendFormat": "{{project_id}}"
          }
        ]
      },
      {
        "id": 7,
        "type": "timeseries",
        "title": "Active devices per hour",
        "description": "Field and remote devices active in the last full hour per project.",
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
            "expr": "sum by (project_id) (trro_active_field_devices{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\",interval=\"hour\",window=\"previous\"})",
            "legendFormat": "field {{project_id}}"
          },
          {
            "refId": "B",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "sum by (project_id) (trro_active_remote_devices{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\",interval=\"hour\",window=\"previous\"})",
            "legendFormat": "remote {{project_id}}"
          }
        ]
      },
      {
        "id": 8,
        "type": "timeseries",
        "title": "Session quality",
        "description": "Share of good or normal sessions in the last full hour per project; the alert threshold is %(sessionNotBadRatioMinPercent)d%%." % f,
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
            "unit": "percentunit",
            "min": 0,
            "max": 1,
            "thresholds": {
              "mode": "absolute",
              "steps": [
                {
                  "color": "red",
                  "value": null
                },
                {
                  "color": "green",
                  "value": c.sessionNotBadRatioMin
                }
              ]
            }
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
            "expr": "trro_session_not_bad_ratio{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\",interval=\"hour\",window=\"previous\"}",
            "legendFormat": "{{project_id}}"
          }
        ]
      },
      {
        "id": 9,
        "type": "timeseries",
        "title": "Live sessions",
        "description": "Live sessions per project over time.",
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
            "expr": "sum by (project_id) (trro_active_sessions{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\"})",
            "legendFormat": "{{project_id}}"
          }
        ]
      },
      {
        "id": 10,
        "type": "timeseries",
        "title": "Field devices by status",
        "description": "Field devices offline, ready and connected over time.",
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
            "expr": "sum by (status) (trro_device_status{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\"} * on (job, instance, account, project_id, device_id) group_left () trro_device_info{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\",device_type=\"field\"})",
            "legendFormat": "{{status}}"
          }
        ]
      }
    ]
  }
