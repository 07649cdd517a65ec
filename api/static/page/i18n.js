/* The page's words in Chinese and English, and the language in use. Words only: station
 * text never passes through here, and nothing here is ever read as HTML. */

export const TEXT = {
  zh: {
    title: "驿站查找", subtitle: "附近开放中的暖心驿站、工会驿站", where: "我的位置",
    locate: "使用我的位置", typed: "输入坐标，或在地图上点选位置", lon: "经度", lat: "纬度",
    datum: "坐标系", datum_wgs84: "WGS84（GPS）", datum_gcj02: "GCJ-02（高德、腾讯）",
    datum_bd09: "BD-09（百度）", search: "查找", needs: "我需要", more: "更多服务",
    closed_too: "也显示已关门的驿站",
    on_route: "顺路找站：只看路线两侧", within: "以内", map: "地图",
    map_show: "显示地图", map_hide: "收起地图",
    results: "附近开放中的驿站", results_route: "路线沿途开放中的驿站",
    results_all: "附近的驿站", results_route_all: "路线沿途的驿站",
    assumptions: "时间按直线距离乘以绕行系数 1.3 估算：步行 1.2 米/秒（约 4.3 公里/小时），电动车 4.2 米/秒（约 15 公里/小时）；步行超过 1 小时、骑行超过 2 小时的不显示时间。导航链接使用各地图自己的坐标系：高德 GCJ-02，百度 BD-09。",
    basemap: "显示 OpenStreetMap 底图（会连接外部网站）",
    basemap_tianditu: "显示天地图底图（会连接外部网站）",
    locating: "正在获取位置…", loading: "正在查找…", located: "已定位",
    picked: "已选择地图上的位置", typed_pos: "已使用输入的坐标",
    geo_denied: "无法获取位置（未授权或不可用）。请在地图上点选，或输入坐标。",
    geo_missing: "此浏览器不支持定位。请在地图上点选，或输入坐标。",
    failed: "查询失败：", offline: "网络不可用，请稍后重试。", server_error: "服务器出错，请稍后重试。",
    none: "没有找到符合条件的开放驿站。可以少选几项服务，或在“我需要”里选择也显示已关门的驿站。",
    none_all: "没有找到符合条件的驿站。可以少选几项服务再试。",
    none_route: "路线两侧没有找到符合条件的驿站。可以放宽范围或少选几项服务。",
    found: function (n) { return "找到 " + n + " 个驿站，由近到远"; },
    found_route: function (n) { return "沿途找到 " + n + " 个驿站，按经过的先后排列"; },
    walk: "步行", ride: "骑行", min: "分钟", m: "米", km: "公里",
    along: function (d) { return "沿路线 " + d + " 处"; },
    ahead: function (d) { return "前方 " + d; },
    rider_off_route: function (d) { return "您离路线 " + d + "，以下按路线起点排列。"; },
    off_route: function (d) { return "离路线 " + d; },
    far: function (d, where) {
      return "附近没有符合条件的驿站，最近的在 " + d + "外" + (where ? "（" + where + "）" : "");
    },
    too_far: "距离太远", call: "打电话", phone: "电话",
    always_open: "24小时营业",
    open_until: function (time, day) { return "营业至" + (day ? day : "") + " " + time; },
    closes_in: function (n) { return "还有 " + n + " 分钟关门"; },
    closed_opens: function (day, time) { return "已关门，" + day + " " + time + " 开门"; },
    closed_week: "已关门，一周内不开放", hours_unsure: "开放时间不确定",
    today: "今天", tomorrow: "明天", days: ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
    hours: "开放时间", hours_unknown: "开放时间未登记",
    car: "停车位", moto: "摩托车位", ev: "充电桩", address: "地址",
    amap: "高德导航", baidu: "百度导航", me: "我的位置", lang: "English", lang_code: "en",
    // couriers' reports (reports.js)
    hide_reported: "不看骑手反馈停车位已满、驿站未开门的驿站", hide_reported_short: "不看已满、未开门的",
    report: "反馈", report_for: function (name) { return "反馈：" + name; },
    report_title: "反馈驿站现状", report_kind: "现在的情况（选一项）",
    report_note: "补充说明（可不填）", cancel: "取消", send: "发送", sending: "正在发送…",
    report_choose: "请先选择一种情况。", report_failed: "发送失败：",
    report_with_pos: "会附上您现在的位置，用于核实。", report_no_pos: "不附位置。",
    report_sent: "反馈已发送，谢谢！", you_reported: "您刚才反馈：", note: "说明：",
    reported: function (when, n) { return when + " " + n + " 位骑手反馈："; },
    just_now: "刚刚",
    ago: function (n, unit) { return n + " " + { min: "分钟", h: "小时", d: "天" }[unit] + "前"; },
    verified: "最近确认：", yesterday: "昨天",
    date: function (y, m, d, sameYear) { return (sameYear ? "" : y + "年") + m + "月" + d + "日"; }
  },
  en: {
    title: "Rest station finder", subtitle: "Open rest stations for outdoor workers near you",
    where: "My position", locate: "Use my location", typed: "Type coordinates, or tap the map",
    lon: "Longitude", lat: "Latitude", datum: "Datum", datum_wgs84: "WGS84 (GPS)",
    datum_gcj02: "GCJ-02 (Amap, Tencent)", datum_bd09: "BD-09 (Baidu)", search: "Search",
    needs: "I need", more: "More services", closed_too: "Include closed stations",
    on_route: "On my way: only stations within", within: "of the route", map: "Map",
    map_show: "Show map", map_hide: "Hide map",
    results: "Open stations near you", results_route: "Open stations along your route",
    results_all: "Stations near you", results_route_all: "Stations along your route",
    assumptions: "Times are straight-line distance × a detour factor of 1.3: walking at 1.2 m/s (4.3 km/h), e-bike at 4.2 m/s (15 km/h); no time is shown for a walk over an hour or a ride over two hours. Navigation links use each map's own datum: GCJ-02 for Amap, BD-09 for Baidu.",
    basemap: "Show the OpenStreetMap basemap (connects to an outside site)",
    basemap_tianditu: "Show the Tianditu basemap (connects to an outside site)",
    locating: "Finding your position…", loading: "Searching…", located: "Position found",
    picked: "Using the point you tapped", typed_pos: "Using the coordinates you typed",
    geo_denied: "Could not get your position (not allowed or unavailable). Tap the map or type coordinates.",
    geo_missing: "This browser cannot locate you. Tap the map or type coordinates.",
    failed: "Search failed: ", offline: "No network; please try again.",
    server_error: "The server failed; please try again.",
    none: "No open station has everything you ticked. Tick fewer services, or include closed stations under “I need”.",
    none_all: "No station has everything you ticked. Try fewer services.",
    none_route: "No station along the route has everything you ticked. Widen the corridor or tick fewer services.",
    found: function (n) { return n + (n === 1 ? " station" : " stations") + ", nearest first"; },
    found_route: function (n) { return n + (n === 1 ? " station" : " stations") + " along the route, in the order you pass them"; },
    walk: "walk", ride: "ride", min: "min", m: "m", km: "km",
    along: function (d) { return d + " along the route"; },
    ahead: function (d) { return d + " ahead"; },
    rider_off_route: function (d) { return "You are " + d + " from the route: stations are listed from its start."; },
    off_route: function (d) { return d + " off the route"; },
    far: function (d, where) {
      return "Nothing near: the nearest is " + d + " away" + (where ? " (" + where + ")" : "");
    },
    too_far: "too far away", call: "Call", phone: "Phone",
    always_open: "Open 24 hours",
    open_until: function (time, day) {
      return "Open until " + (!day ? time : day === "tomorrow" ? time + " tomorrow" : day + " " + time);
    },
    closes_in: function (n) { return "Closes in " + n + " min"; },
    closed_opens: function (day, time) { return "Closed, opens " + day + " " + time; },
    closed_week: "Closed all week", hours_unsure: "Hours uncertain",
    today: "today", tomorrow: "tomorrow", days: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
    hours: "Hours", hours_unknown: "Hours not recorded",
    car: "Car spaces", moto: "Motorcycle spaces", ev: "EV piles", address: "Address",
    amap: "Amap", baidu: "Baidu Maps", me: "My position", lang: "中文", lang_code: "zh",
    hide_reported: "Leave out stations riders report full or closed",
    hide_reported_short: "not reported full or closed",
    report: "Report", report_for: function (name) { return "Report: " + name; },
    report_title: "Report what you see", report_kind: "Right now (choose one)",
    report_note: "Note (optional)", cancel: "Cancel", send: "Send", sending: "Sending…",
    report_choose: "Choose what you see first.", report_failed: "Not sent: ",
    report_with_pos: "Your current position is sent with it, to check the report.",
    report_no_pos: "No position is sent.",
    report_sent: "Report sent. Thank you!", you_reported: "You reported: ", note: "Note: ",
    reported: function (when, n) { return n + (n === 1 ? " rider" : " riders") + " reported " + when + ": "; },
    just_now: "just now",
    ago: function (n, unit) {
      return n + " " + (unit === "d" ? (n === 1 ? "day" : "days") : unit) + " ago";
    },
    verified: "Last verified: ", yesterday: "yesterday",
    date: function (y, m, d, sameYear) {
      const month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][m - 1];
      return d + " " + month + (sameYear ? "" : " " + y);
    }
  }
};

let current = "zh";

export function setLang(lang) { current = lang === "en" ? "en" : "zh"; }
export function lang() { return current; }
export function t(key) { return TEXT[current][key]; }
