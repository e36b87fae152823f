import { resolveIpArgument } from './ip-location.js';
import type { AmapParam, AmapToolSpec } from './tool-spec.js';

const LNG_LAT = 'as "longitude,latitude", e.g. 116.481028,39.989643';

const required = (name: string, description: string): AmapParam => ({ name, description, required: true });
const optional = (name: string, description: string, values?: readonly [string, ...string[]]): AmapParam =>
  values === undefined ? { name, description, required: false } : { name, description, required: false, enum: values };

const origin = required('origin', `Start point ${LNG_LAT}`);
const destination = required('destination', `End point ${LNG_LAT}`);

/**
 * The twelve AMap tools: names, parameter names and endpoints as in Higress's amap-tools (reference
 * higress-mcp.md §1.4). A parameter is optional exactly when the AMap web API treats it as optional.
 */
export const AMAP_TOOLS: readonly AmapToolSpec[] = Object.freeze([
  {
    name: 'maps_geo',
    title: 'Geocode an address',
    description:
      'Converts a structured address into coordinates. Also resolves landmarks, scenic spots and building names. ' +
      'A city name can be obtained with maps_ip_location.',
    url: 'https://restapi.amap.com/v3/geocode/geo',
    params: [
      required('address', 'Structured address to resolve, e.g. 北京市朝阳区阜通东大街6号'),
      optional('city', 'City to search in: Chinese name, pinyin, citycode or adcode; searches nationwide when omitted'),
    ],
  },
  {
    name: 'maps_regeocode',
    title: 'Reverse-geocode a coordinate',
    description: 'Converts an AMap coordinate into administrative address information.',
    url: 'http://restapi.amap.com/v3/geocode/regeo',
    params: [required('location', `Coordinate ${LNG_LAT}`)],
  },
  {
    name: 'maps_ip_location',
    title: 'Locate an IP address',
    description: 'Finds the country, province and city of an IP address.',
    url: 'https://restapi.amap.com/v3/ip',
    params: [optional('ip', 'IPv4 address to locate; leave empty (or "unknow") to locate the caller')],
    prepare: resolveIpArgument,
  },
  {
    name: 'maps_weather',
    title: 'City weather',
    description:
      'Current weather and forecast for a city given by name or adcode. A city name can be obtained with maps_ip_location.',
    url: 'http://restapi.amap.com/v3/weather/weatherInfo',
    params: [required('city', 'City name or adcode, e.g. 北京 or 110000')],
    fixedQuery: { extensions: 'all' },
  },
  {
    name: 'maps_search_detail',
    title: 'POI details',
    description: 'Details of a POI whose ID came from maps_text_search or maps_around_search.',
    url: 'http://restapi.amap.com/v3/place/detail',
    params: [required('id', 'POI ID returned by maps_text_search or maps_around_search')],
  },
  {
    name: 'maps_bicycling',
    title: 'Cycling route',
    description: 'Plans a cycling route, taking footbridges, one-way streets and closed roads into account. Up to 500 km.',
    url: 'http://restapi.amap.com/v4/direction/bicycling',
    params: [origin, destination],
  },
  {
    name: 'maps_direction_walking',
    title: 'Walking route',
    description: 'Plans a walking route of up to 100 km between two coordinates.',
    url: 'http://restapi.amap.com/v3/direction/walking',
    params: [origin, destination],
  },
  {
    name: 'maps_direction_driving',
    title: 'Driving route',
    description: 'Plans a car driving route between two coordinates.',
    url: 'http://restapi.amap.com/v3/direction/driving',
    params: [origin, destination],
  },
  {
    name: 'maps_direction_transit_integrated',
    title: 'Public transport route',
    description:
      'Plans public transport routes (train, bus, subway) between two coordinates. Cross-city trips need both city and cityd.',
    url: 'http://restapi.amap.com/v3/direction/transit/integrated',
    params: [
      origin,
      destination,
      required('city', 'City of the start point: name, citycode or adcode'),
      optional('cityd', 'City of the end point; required by AMap for cross-city trips'),
    ],
  },
  {
    name: 'maps_text_search',
    title: 'Keyword POI search',
    description:
      'Searches points of interest by keyword. A city name can be obtained with maps_ip_location.',
    url: 'http://restapi.amap.com/v3/place/text',
    params: [
      required('keywords', 'Search keywords, e.g. 北京大学'),
      optional('city', 'City to search in: name, citycode or adcode; searches nationwide when omitted'),
      optional('citylimit', 'Only return results inside city ("true") or not ("false", AMap default)', ['true', 'false']),
    ],
  },
  {
    name: 'maps_around_search',
    title: 'Nearby POI search',
    description: 'Searches points of interest within a radius of a coordinate, optionally filtered by keywords.',
    url: 'http://restapi.amap.com/v3/place/around',
    params: [
      required('location', `Centre point ${LNG_LAT}`),
      optional('radius', 'Search radius in metres, 0-50000 (AMap default 3000)'),
      optional('keywords', 'Search keywords'),
    ],
  },
  {
    name: 'maps_distance',
    title: 'Distance measurement',
    description: 'Measures the distance between coordinates by driving, walking or in a straight line.',
    url: 'http://restapi.amap.com/v3/distance',
    params: [
      required('origins', 'One or more start points separated by ";", e.g. 120,30;120,31, each as longitude,latitude'),
      required('destination', `End point ${LNG_LAT}`),
      optional('type', 'Measurement type: "1" driving (AMap default), "0" straight line, "3" walking', ['0', '1', '3']),
    ],
  },
] satisfies AmapToolSpec[]);
