/**
 * Response bodies shaped as the AMap web-service API documents them (v3: status/info/infocode with
 * string values; v4 direction: errcode/errmsg/data). Keyed by request path.
 */
export const AMAP_OK_BODIES: Readonly<Record<string, string>> = {
  '/v3/geocode/geo': JSON.stringify({
    status: '1', info: 'OK', infocode: '10000', count: '1',
    geocodes: [{
      formatted_address: '北京市朝阳区阜通东大街6号', country: '中国', province: '北京市', citycode: '010',
      city: '北京市', district: '朝阳区', township: [], neighborhood: { name: [], type: [] },
      building: { name: [], type: [] }, adcode: '110105', street: '阜通东大街', number: '6号',
      location: '116.482086,39.990496', level: '门牌号',
    }],
  }),
  '/v3/geocode/regeo': JSON.stringify({
    status: '1', info: 'OK', infocode: '10000',
    regeocode: {
      formatted_address: '北京市朝阳区望京街道方恒国际中心B座',
      addressComponent: {
        country: '中国', province: '北京市', city: [], citycode: '010', district: '朝阳区', adcode: '110105',
        township: '望京街道', towncode: '110105026000',
        streetNumber: { street: '阜通东大街', number: '6号', location: '116.480724,39.989584', direction: '东北', distance: '45.8' },
      },
    },
  }),
  '/v3/ip': JSON.stringify({
    status: '1', info: 'OK', infocode: '10000', province: '北京市', city: '北京市', adcode: '110000',
    rectangle: '116.0119343,39.66127144;116.7829835,40.2164962',
  }),
  '/v3/weather/weatherInfo': JSON.stringify({
    status: '1', count: '1', info: 'OK', infocode: '10000',
    forecasts: [{
      city: '北京市', adcode: '110000', province: '北京', reporttime: '2025-05-20 11:03:41',
      casts: [{
        date: '2025-05-20', week: '2', dayweather: '晴', nightweather: '多云', daytemp: '31', nighttemp: '18',
        daywind: '南', nightwind: '南', daypower: '1-3', nightpower: '1-3', daytemp_float: '31.0', nighttemp_float: '18.0',
      }],
    }],
  }),
  '/v3/place/detail': JSON.stringify({
    status: '1', info: 'OK', infocode: '10000', count: '1',
    pois: [{
      id: 'B000A8UIN8', name: '北京大学', type: '科教文化服务;学校;高等院校', typecode: '141201',
      address: '颐和园路5号', location: '116.310905,39.992806', pname: '北京市', cityname: '北京市', adname: '海淀区',
      business_area: '燕园', tel: '010-62752114', biz_ext: { rating: '4.9', cost: [] },
    }],
  }),
  '/v4/direction/bicycling': JSON.stringify({
    data: {
      origin: '116.434307,39.90909', destination: '116.434446,39.90816',
      paths: [{
        distance: 206, duration: 50,
        steps: [{ instruction: '骑行100米右转', road: '', distance: 100, orientation: '东', duration: 24, action: '右转', assistant_action: '' }],
      }],
    },
    errcode: 0, errdetail: null, errmsg: 'OK',
  }),
  '/v3/direction/walking': JSON.stringify({
    status: '1', info: 'ok', infocode: '10000', count: '1',
    route: { origin: '116.434307,39.90909', destination: '116.434446,39.90816', paths: [{ distance: '206', duration: '165', steps: [] }] },
  }),
  '/v3/direction/driving': JSON.stringify({
    status: '1', info: 'OK', infocode: '10000', count: '1',
    route: { origin: '116.481028,39.989643', destination: '116.434446,39.90816', taxi_cost: '37', paths: [{ distance: '12963', duration: '1876', strategy: '速度最快', tolls: '0', steps: [] }] },
  }),
  '/v3/direction/transit/integrated': JSON.stringify({
    status: '1', info: 'OK', infocode: '10000', count: '5',
    route: { origin: '116.481028,39.989643', destination: '116.434446,39.90816', distance: '10435', taxi_cost: '34', transits: [] },
  }),
  '/v3/place/text': JSON.stringify({
    status: '1', info: 'OK', infocode: '10000', count: '1', suggestion: { keywords: [], cities: [] },
    pois: [{ id: 'B000A8UIN8', name: '北京大学', type: '科教文化服务;学校;高等院校', address: '颐和园路5号', location: '116.310905,39.992806' }],
  }),
  '/v3/place/around': JSON.stringify({
    status: '1', info: 'OK', infocode: '10000', count: '1', suggestion: { keywords: [], cities: [] },
    pois: [{ id: 'B0FFFAB6J2', name: '肯德基(望京店)', type: '餐饮服务;快餐厅;肯德基', distance: '212', location: '116.482586,39.991302' }],
  }),
  '/v3/distance': JSON.stringify({
    status: '1', info: 'OK', infocode: '10000', count: '1',
    results: [{ origin_id: '1', dest_id: '1', distance: '12963', duration: '1876' }],
  }),
};

/** v3 rejection of an unknown key (HTTP 200!). */
export const V3_INVALID_KEY = JSON.stringify({ status: '0', info: 'INVALID_USER_KEY', infocode: '10001' });
/** v3 rejection when the daily quota is used up. */
export const V3_QUOTA = JSON.stringify({ status: '0', info: 'DAILY_QUERY_OVER_LIMIT', infocode: '10003' });
/** v3 rejection of bad parameters: the model's fault, not the key's. */
export const V3_INVALID_PARAMS = JSON.stringify({ status: '0', info: 'INVALID_PARAMS', infocode: '20000' });
/** v4 (bicycling) rejection of an unknown key. */
export const V4_INVALID_KEY = JSON.stringify({ errcode: 10001, errmsg: 'INVALID_USER_KEY', errdetail: null, data: [] });
